/* vm_create.c - CREATE_VM: from a client's config to a STARTING VM (vm.h). */
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host/virtmgr/mvm_args.h"
#include "host/virtmgr/spawn.h"
#include "host/virtmgr/workdir.h"
#include "lib/common/file.h"
#include "lib/payload/instance.h"
#include "lib/payload/package.h"

#define CMDLINE_MAX 65536
#define DEFAULT_MEM_MIB 256

/* The child's fds: stdin, stdout (console pipe), stderr (mvm.log), log port, instance. */
enum { CHILD_LOG_FD = 3, CHILD_INSTANCE_FD = 4, CHILD_NFDS = 5 };

/* What a create call holds until the VM runs or the call fails. */
struct create {
	struct vm *vm;
	struct vm_config_parcel *cfg;
	int log_fd;
	char *cmdline;
	char instance_path[PATH_MAX];
};

static int path_join(char *out, const char *dir, const char *name)
{
	return snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/* The client's instance disk: a regular file, open read-write, with the header. */
static AStatus *check_instance(int fd)
{
	uint8_t head[INSTANCE_HEADER_SIZE];
	struct error e = {{0}};
	unsigned int version;
	struct stat st;
	int fl = fcntl(fd, F_GETFL);

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return status_errorf(EX_ILLEGAL_ARGUMENT, "instance: not a regular file");
	if (fl < 0 || (fl & O_ACCMODE) != O_RDWR)
		return status_errorf(EX_ILLEGAL_ARGUMENT,
				     "instance: not open for reading and writing");
	if (pread(fd, head, sizeof(head), 0) != (ssize_t)sizeof(head))
		return status_errorf(EX_ILLEGAL_ARGUMENT,
				     "instance: shorter than its %d-byte header",
				     INSTANCE_HEADER_SIZE);
	if (instance_header_check(head, sizeof(head), &version, &e) < 0)
		return status_errorf(EX_ILLEGAL_ARGUMENT, "instance: %s", e.msg);
	return NULL;
}

/* mvm opens the log port by path (/proc/self/fd/N), which a socket has not. */
static AStatus *check_log(int fd)
{
	struct stat st;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0)
		return status_errnof(errno, "log: %s", strerror(errno));
	if (S_ISSOCK(st.st_mode))
		return status_errorf(EX_ILLEGAL_ARGUMENT,
				     "log: a socket cannot take the payload's log; pass a pipe, a "
				     "terminal or a file");
	return NULL;
}

/* Check the package copy at @path: footer, image digest, file system (not its config). */
static AStatus *check_package(const char *path, const char *shown)
{
	const uint8_t *data;
	struct error e = {{0}};
	struct pkg pkg;
	size_t len;
	int r;

	r = file_map(path, "package", &data, &len, &e);
	if (r < 0)
		return status_errnof(r, "%s", e.msg);
	r = pkg_open(&pkg, data, len, &e);
	file_unmap(data, len);
	if (r < 0)
		return status_errorf(EX_ILLEGAL_ARGUMENT, "package '%s': %s", shown, e.msg);
	return NULL;
}

static struct vm *vm_alloc(const struct vm_config_parcel *cfg)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	if (!vm)
		return NULL;
	atomic_init(&vm->refs, 1);
	vm->pidfd = vm->console_in = vm->console_out = -1;
	vm->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vm->package_path = strdup(cfg->package_path);
	pthread_cond_init(&vm->events_cond, NULL);
	pthread_cond_init(&vm->console_cond, NULL);
	vm->events_tail = &vm->events;
	vm_status_init(&vm->status);
	vm->error_code = -1;
	vm->memory_mib = cfg->memory_mib ? cfg->memory_mib : DEFAULT_MEM_MIB;
	vm->cpus = cfg->cpus ? cfg->cpus : 1;
	vm->boot_timeout_ms = cfg->boot_timeout_ms ? cfg->boot_timeout_ms : virtmgr.boot_timeout_ms;
	if (vm->wake_fd < 0 || !vm->package_path) {
		vm_put(vm);
		return NULL;
	}
	return vm;
}

/* Is @name "vm" and digits, the form of the names virtmgr gives (vm<CID>)? */
static bool auto_name_form(const char *name)
{
	return name[0] == 'v' && name[1] == 'm' && name[2] &&
	       strspn(name + 2, "0123456789") == strlen(name + 2);
}

/* Take a CID and the name; put the VM in the registry (which keeps a reference). */
static AStatus *vm_register(struct vm *vm, const char *name)
{
	struct vm **pp;
	struct error e = {{0}};
	uint32_t cid;
	int r;

	if (auto_name_form(name))
		return status_errorf(EX_ILLEGAL_ARGUMENT,
				     "the name '%s' is reserved: 'vm' and a number name the VMs "
				     "started without a name",
				     name);
	pthread_mutex_lock(&virtmgr.lock);
	if (virtmgr.stopping) {
		pthread_mutex_unlock(&virtmgr.lock);
		return status_errorf(EX_ILLEGAL_STATE, "virtmgr is stopping");
	}
	for (struct vm *o = virtmgr.vms; name[0] && o; o = o->next) {
		if (!strcmp(o->name, name)) {
			pthread_mutex_unlock(&virtmgr.lock);
			return status_errorf(EX_ILLEGAL_ARGUMENT,
					     "a VM named '%s' is already running (CID %u)", name,
					     o->cid);
		}
	}
	r = cid_alloc(&virtmgr.cids, &cid, &e);
	if (r < 0) {
		pthread_mutex_unlock(&virtmgr.lock);
		return status_errnof(r, "no CID left: %u VMs are running (virtmgr --max-vms)",
				     virtmgr.cids.count);
	}
	vm->cid = cid;
	if (name[0])
		snprintf(vm->name, sizeof(vm->name), "%s", name);
	else
		snprintf(vm->name, sizeof(vm->name), "vm%u", cid);
	for (pp = &virtmgr.vms; *pp && (*pp)->cid < cid; pp = &(*pp)->next)
		;
	vm->next = *pp;
	*pp = vm;
	virtmgr.nvms++;
	vm->registered = true;
	vm_get(vm);
	pthread_mutex_unlock(&virtmgr.lock);
	return NULL;
}

/* Undo vm_register() for a VM that never ran. */
static void vm_unregister(struct vm *vm)
{
	struct vm **pp;

	pthread_mutex_lock(&virtmgr.lock);
	for (pp = &virtmgr.vms; *pp && *pp != vm; pp = &(*pp)->next)
		;
	if (*pp) {
		*pp = vm->next;
		virtmgr.nvms--;
		cid_release(&virtmgr.cids, vm->cid, NULL);
		vm->registered = false;
		pthread_cond_broadcast(&virtmgr.vms_cond);
	}
	pthread_mutex_unlock(&virtmgr.lock);
	vm_put(vm);
}

/* The work directory with the package copy and the instance disk. */
static AStatus *make_work_dir(struct create *c)
{
	struct vm *vm = c->vm;
	struct error e = {{0}};
	char path[PATH_MAX];
	AStatus *st;
	int r;

	if (snprintf(vm->work_dir, sizeof(vm->work_dir), "%s/vms/%u", virtmgr.dir, vm->cid) >=
	    (int)sizeof(vm->work_dir))
		return status_errnof(ENAMETOOLONG, "work directory: path too long");
	workdir_remove(vm->work_dir); /* left by a virtmgr that was killed */
	r = workdir_make(vm->work_dir, &e);
	if (r < 0)
		return status_errnof(r, "%s", e.msg);
	if (path_join(path, vm->work_dir, "payload.img") < 0)
		return status_errnof(ENAMETOOLONG, "work directory: path too long");
	r = workdir_copy(c->cfg->package_fd, path, &e);
	if (r < 0)
		return status_errnof(r, "%s", e.msg);
	st = check_package(path, vm->package_path[0] ? vm->package_path : "(unnamed)");
	if (st)
		return st;
	if (c->cfg->instance_fd >= 0) {
		snprintf(c->instance_path, sizeof(c->instance_path), "/proc/self/fd/%d",
			 CHILD_INSTANCE_FD);
		return NULL;
	}
	if (path_join(c->instance_path, vm->work_dir, "instance.img") < 0)
		return status_errnof(ENAMETOOLONG, "work directory: path too long");
	r = workdir_make_instance(c->instance_path, &e);
	if (r < 0)
		return status_errnof(r, "%s", e.msg);
	return NULL;
}

/* The VM's IVirtualMachineService at <work>/vsock.sock_<CID>. */
static AStatus *start_guest_server(struct vm *vm)
{
	char path[PATH_MAX], name[32];
	AIBinder *root;
	int r;

	snprintf(name, sizeof(name), "vsock.sock_%u", vm->cid);
	if (path_join(path, vm->work_dir, name) < 0)
		return status_errnof(ENAMETOOLONG, "work directory: path too long");
	vm->guest_server = RpcServer_new();
	root = vm_guest_service_new(vm);
	if (!vm->guest_server || !root) {
		AIBinder_decStrong(root);
		return status_errnof(ENOMEM, "out of memory");
	}
	RpcServer_setRootObject(vm->guest_server, root);
	AIBinder_decStrong(root);
	/*
	 * One session, ever: microdroid_manager's, which connects before any
	 * payload runs.  A payload connecting to the same port later cannot
	 * then speak for the manager (report READY or FINISHED in its name).
	 */
	RpcServer_setSessionLimit(vm->guest_server, 1);
	r = RpcServer_setupUnixDomainServer(vm->guest_server, path);
	if (r == 0)
		r = RpcServer_start(vm->guest_server);
	if (r < 0)
		return status_errnof(r, "the VM's service at '%s': %s", path, strerror(-r));
	return NULL;
}

static AStatus *image_file(char *out, const char *name)
{
	if (path_join(out, virtmgr.image_dir, name) < 0)
		return status_errnof(ENAMETOOLONG, "image: path too long");
	if (access(out, R_OK) < 0)
		return status_errnof(errno, "image: '%s': %s", out, strerror(errno));
	return NULL;
}

/* Read the image's cmdline; drop "quiet" for a debug VM. */
static AStatus *load_cmdline(struct create *c, bool debug)
{
	char path[PATH_MAX], *text;
	struct error e = {{0}};
	AStatus *st;
	size_t len;
	int r;

	if ((st = image_file(path, "cmdline")))
		return st;
	r = file_read_all(path, "image cmdline", CMDLINE_MAX, &text, &len, &e);
	if (r < 0)
		return status_errnof(r, "%s", e.msg);
	c->cmdline = mvm_microdroid_cmdline(text, debug);
	free(text);
	return c->cmdline ? NULL : status_errnof(ENOMEM, "out of memory");
}

/* Start mvm with its console on a pipe that the monitor reads. */
static AStatus *spawn_mvm(struct create *c)
{
	char kernel[PATH_MAX], initrd[PATH_MAX], system[PATH_MAX], payload[PATH_MAX];
	char uds[PATH_MAX], log[64], mvm_log[PATH_MAX];
	struct vm *vm = c->vm;
	struct error e = {{0}};
	int pipefd[2], stderr_fd, r;
	char **argv = NULL;
	AStatus *st;

	if ((st = image_file(kernel, "kernel")) || (st = image_file(initrd, "initramfs.img")) ||
	    (st = image_file(system, "system.img")))
		return st;
	if (path_join(payload, vm->work_dir, "payload.img") < 0 ||
	    path_join(uds, vm->work_dir, "vsock.sock") < 0 ||
	    path_join(mvm_log, vm->work_dir, "mvm.log") < 0)
		return status_errnof(ENAMETOOLONG, "work directory: path too long");
	snprintf(log, sizeof(log), "/proc/self/fd/%d", CHILD_LOG_FD);
	const struct mvm_microdroid m = {
	    .mvm = virtmgr.mvm,
	    .kernel = kernel,
	    .initrd = initrd,
	    .cmdline = c->cmdline,
	    .mem_mib = (unsigned int)vm->memory_mib,
	    .cpus = (unsigned int)vm->cpus,
	    .system = system,
	    .payload = payload,
	    .instance = c->instance_path,
	    .cid = vm->cid,
	    .vsock_uds = uds,
	    .log = log,
	};
	r = mvm_args_build_microdroid(&m, &argv, &e);
	if (r < 0)
		return status_errnof(r, "%s", e.msg);
	stderr_fd = open(mvm_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (stderr_fd < 0 || pipe2(pipefd, O_CLOEXEC) < 0) {
		r = -errno;
		if (stderr_fd >= 0)
			close(stderr_fd);
		mvm_args_free(argv);
		return status_errnof(r, "mvm's output: %s", strerror(-r));
	}
	const int fds[CHILD_NFDS] = {-1, pipefd[1], stderr_fd, c->log_fd, c->cfg->instance_fd};
	if (virtmgr.verbose) {
		char line[8192];
		size_t o = 0;
		for (char **a = argv; *a && o < sizeof(line); a++)
			o += (size_t)snprintf(line + o, sizeof(line) - o, "%s%s", o ? " " : "", *a);
		vlog("vm %u (%s): running %s", vm->cid, vm->name, line);
	}
	r = spawn_process(argv, fds, CHILD_NFDS, &vm->pid, &vm->pidfd, &e);
	mvm_args_free(argv);
	close(pipefd[1]);
	close(stderr_fd);
	if (r < 0) {
		close(pipefd[0]);
		vm->pid = 0;
		return status_errnof(r, "mvm: %s", e.msg);
	}
	vm->console_in = pipefd[0];
	return NULL;
}

static AStatus *create_steps(struct create *c)
{
	AStatus *st;

	if ((st = make_work_dir(c)) ||
	    (st = load_cmdline(c, c->cfg->debug_level == VM_DEBUG_FULL)) ||
	    (st = start_guest_server(c->vm)))
		return st;
	return spawn_mvm(c);
}

/* Undo what create_steps() did, for a VM whose mvm never ran (or is killed here). */
static void create_undo(struct vm *vm)
{
	if (vm->pid > 0) {
		kill(-vm->pid, SIGKILL);
		waitpid(vm->pid, NULL, 0);
		vm->pid = 0;
	}
	if (vm->guest_server) {
		RpcServer_shutdown(vm->guest_server);
		RpcServer_free(vm->guest_server);
		vm->guest_server = NULL;
	}
	if (vm->work_dir[0])
		workdir_remove(vm->work_dir);
}

AStatus *vm_create(struct vm_config_parcel *cfg, int console, int log, struct vm **out)
{
	struct create c = {.cfg = cfg, .log_fd = log};
	struct vm *vm;
	AStatus *st;

	*out = NULL;
	st = cfg->instance_fd >= 0 ? check_instance(cfg->instance_fd) : NULL;
	if (!st)
		st = check_log(log);
	if (st)
		goto out;
	vm = c.vm = vm_alloc(cfg);
	if (!vm) {
		st = status_errnof(ENOMEM, "out of memory");
		goto out;
	}
	vm->console_out = console;
	console = -1;
	if ((st = vm_register(vm, cfg->name))) {
		vm_put(vm);
		goto out;
	}
	st = create_steps(&c);
	if (!st) {
		pthread_mutex_lock(&virtmgr.lock);
		vm->start_time_ms = wall_ms();
		vm_status_move(&vm->status, VM_STATE_STARTING, NULL);
		pthread_mutex_unlock(&virtmgr.lock);
		if (vm_callbacks_start(vm) < 0)
			st = status_errnof(EAGAIN, "cannot start the VM's threads");
		else if (vm_monitor_start(vm) < 0) {
			st = status_errnof(EAGAIN, "cannot start the VM's threads");
			pthread_mutex_lock(&virtmgr.lock);
			vm->events_done = true; /* the callback thread ends */
			pthread_cond_broadcast(&vm->events_cond);
			pthread_mutex_unlock(&virtmgr.lock);
		}
	}
	if (st) {
		create_undo(vm);
		vm_unregister(vm);
		vm_put(vm);
		goto out;
	}
	vlog("vm %u (%s): STARTING", vm->cid, vm->name);
	*out = vm;
out:
	free(c.cmdline);
	if (console >= 0)
		close(console);
	if (log >= 0)
		close(log);
	vm_config_parcel_clear(cfg);
	return st;
}
