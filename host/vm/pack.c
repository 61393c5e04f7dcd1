/* pack.c - see pack.h. */
#include "pack.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/payload/package.h"

/* Reproducible images: fixed time, owners and UUID; no extended attributes from the host. */
#define ZERO_UUID "00000000-0000-0000-0000-000000000000"

int pack_dest_check(const char *dest, struct error *e)
{
	size_t len = strlen(dest), n;
	const char *c;

	if (!len)
		return error_set(e, -EINVAL, "empty path in the package");
	if (len > PAYLOAD_PATH_MAX)
		return error_set(e, -EINVAL, "'%.64s...': path too long (at most %d bytes)", dest,
				 PAYLOAD_PATH_MAX);
	if (dest[0] == '/')
		return error_set(e, -EINVAL, "'%s': a path in the package is relative", dest);
	for (c = dest; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return error_set(e, -EINVAL, "'%s': control character in a path", dest);
	for (c = dest; *c; c += n + (c[n] == '/')) {
		n = strcspn(c, "/");
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return error_set(e, -EINVAL, "'%s': empty, '.' or '..' path component",
					 dest);
		if (n > PAYLOAD_NAME_MAX)
			return error_set(e, -EINVAL, "'%s': a component is longer than %d bytes",
					 dest, PAYLOAD_NAME_MAX);
		if (c[n] == '/' && !c[n + 1])
			return error_set(e, -EINVAL, "'%s': trailing '/'", dest);
	}
	return 0;
}

/* Is @dir a directory prefix of @path ("a" of "a/b")? */
static bool is_dir_of(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	return !strncmp(dir, path, n) && path[n] == '/';
}

static int check_entries(const struct pack_entry *ent, size_t n, struct error *e)
{
	bool have_config = false;
	struct stat st;
	int err;

	if (n > PACK_MAX_ENTRIES)
		return error_set(e, -E2BIG, "%zu files, at most %d", n, PACK_MAX_ENTRIES);
	for (size_t i = 0; i < n; i++) {
		err = pack_dest_check(ent[i].dest, e);
		if (err < 0)
			return err;
		if (stat(ent[i].src, &st) < 0)
			return error_set(e, -errno, "'%s': %s", ent[i].src, strerror(errno));
		if (!S_ISREG(st.st_mode))
			return error_set(e, -EINVAL, "'%s': not a regular file", ent[i].src);
		have_config |= !strcmp(ent[i].dest, VM_CONFIG_PATH);
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(ent[i].dest, ent[j].dest))
				return error_set(e, -EEXIST, "'%s' is given twice", ent[i].dest);
			if (is_dir_of(ent[i].dest, ent[j].dest) ||
			    is_dir_of(ent[j].dest, ent[i].dest))
				return error_set(e, -EEXIST,
						 "'%s' and '%s': one would be a file and a "
						 "directory",
						 ent[i].dest, ent[j].dest);
		}
	}
	if (!have_config)
		return error_set(e, -EINVAL, "no " VM_CONFIG_PATH " in the package");
	return 0;
}

static int copy_file(const char *src, const char *dst, struct error *e)
{
	char buf[65536];
	struct stat st;
	int in, out, err = 0;
	ssize_t r, w;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return error_set(e, -errno, "'%s': %s", src, strerror(errno));
	if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(in);
		return error_set(e, -EINVAL, "'%s': not a regular file", src);
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0 || fchmod(out, st.st_mode & 0111 ? 0755 : 0644) < 0) {
		err = error_set(e, -errno, "staging '%s': %s", dst, strerror(errno));
		goto out;
	}
	while ((r = read(in, buf, sizeof(buf))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = error_set(e, -errno, "'%s': %s", src, strerror(errno));
			goto out;
		}
		for (ssize_t off = 0; off < r; off += w) {
			w = write(out, buf + off, (size_t)(r - off));
			if (w < 0 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w < 0) {
				err =
				    error_set(e, -errno, "staging '%s': %s", dst, strerror(errno));
				goto out;
			}
		}
	}
out:
	if (out >= 0)
		close(out);
	close(in);
	return err;
}

/* Copy one entry into the staging tree at @root, making its directories. */
static int stage_entry(const char *root, const struct pack_entry *ent, struct error *e)
{
	char path[PATH_MAX];
	int n;

	n = snprintf(path, sizeof(path), "%s/%s", root, ent->dest);
	if (n < 0 || (size_t)n >= sizeof(path))
		return error_set(e, -ENAMETOOLONG, "'%s': path too long", ent->dest);
	for (char *slash = path + strlen(root) + 1; (slash = strchr(slash, '/')); slash++) {
		*slash = '\0';
		if ((mkdir(path, 0755) < 0 && errno != EEXIST) || chmod(path, 0755) < 0)
			return error_set(e, -errno, "staging '%s': %s", path, strerror(errno));
		*slash = '/';
	}
	return copy_file(ent->src, path, e);
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	remove(path);
	return 0;
}

/* Run mkfs.erofs on the tree @dir into @image; its output becomes the error on failure. */
static int run_mkfs(const char *mkfs, const char *image, const char *dir, struct error *e)
{
	char *const argv[] = {(char *)mkfs, "-T0",     "--all-root",  "-x-1",	   "-U",
			      ZERO_UUID,    "--quiet", (char *)image, (char *)dir, NULL};
	posix_spawn_file_actions_t fa;
	char out[512], *line;
	size_t used = 0;
	int pipefd[2], status, err;
	ssize_t r;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return error_set(e, -errno, "pipe: %s", strerror(errno));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	err = posix_spawnp(&pid, mkfs, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (err) {
		close(pipefd[0]);
		return error_set(e, -err, "cannot run '%s': %s%s", mkfs, strerror(err),
				 err == ENOENT ? " (install erofs-utils, or set $MKFS_EROFS)" : "");
	}
	/* Keep the start of the output, drain the rest so mkfs.erofs never blocks. */
	for (;;) {
		char sink[4096];

		if (used < sizeof(out) - 1)
			r = read(pipefd[0], out + used, sizeof(out) - 1 - used);
		else
			r = read(pipefd[0], sink, sizeof(sink));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (used < sizeof(out) - 1)
			used += (size_t)r;
	}
	close(pipefd[0]);
	out[used] = '\0';
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return error_set(e, -errno, "waiting for mkfs.erofs: %s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	line = out + strspn(out, " \t\r\n");
	line[strcspn(line, "\r\n")] = '\0';
	if (WIFSIGNALED(status))
		return error_set(e, -EIO, "mkfs.erofs was killed by signal %d", WTERMSIG(status));
	return error_set(e, -EIO, "mkfs.erofs failed (exit %d)%s%s", WEXITSTATUS(status),
			 *line ? ": " : "", line);
}

/*
 * Check the image that mkfs.erofs wrote to @fd as a package would be
 * checked, then append the footer block.
 */
static int finish_package(int fd, bool check_config, struct error *e)
{
	uint8_t *block, *map;
	struct vm_payload_config cfg;
	struct pkg_footer footer = {.version = PKG_VERSION};
	struct erofs fs;
	struct stat st;
	uint64_t size;
	int err;

	if (fstat(fd, &st) < 0)
		return error_set(e, -errno, "image: %s", strerror(errno));
	size = (uint64_t)st.st_size;
	if (size == 0 || size % PKG_BLOCK_SIZE || size > PKG_MAX_SIZE - PKG_BLOCK_SIZE)
		return error_set(e, -EFBIG,
				 "mkfs.erofs made an image of %llu bytes: not whole 4 KiB blocks, "
				 "or more than a package can hold",
				 (unsigned long long)size);
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return error_set(e, -errno, "image: mmap: %s", strerror(errno));
	err = erofs_open(&fs, map, size, e);
	if (err >= 0 && fs.size != size)
		err = error_set(e, -EINVAL, "erofs: %u blocks in a %llu-byte image", fs.blocks,
				(unsigned long long)size);
	if (err >= 0 && check_config)
		err = pkg_load_config(&fs, &cfg, e);
	if (err < 0) {
		munmap(map, size);
		return error_prefix(e, err, "the image mkfs.erofs built does not check out");
	}
	footer.image_size = size;
	pkg_sha256(map, size, footer.image_sha256);
	munmap(map, size);

	block = calloc(1, PKG_BLOCK_SIZE);
	if (!block)
		return error_set(e, -ENOMEM, "out of memory");
	pkg_footer_encode(&footer, block + PKG_BLOCK_SIZE - PKG_FOOTER_SIZE);
	if (pwrite(fd, block, PKG_BLOCK_SIZE, (off_t)size) != PKG_BLOCK_SIZE || fsync(fd) < 0)
		err = error_set(e, errno ? -errno : -EIO, "writing the footer: %s",
				strerror(errno ? errno : EIO));
	free(block);
	return err;
}

int pack_build(const struct pack_entry *entries, size_t n, const char *out, const char *mkfs,
	       bool check_config, struct error *e)
{
	const char *tmpdir = getenv("TMPDIR");
	char stage[PATH_MAX], tmp[PATH_MAX];
	bool tmp_made = false;
	mode_t mask;
	int err, fd = -1;

	err = check_entries(entries, n, e);
	if (err < 0)
		return err;
	if (!tmpdir || !*tmpdir)
		tmpdir = "/tmp";
	if (snprintf(stage, sizeof(stage), "%s/vm-pack-XXXXXX", tmpdir) >= (int)sizeof(stage) ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", out) >= (int)sizeof(tmp))
		return error_set(e, -ENAMETOOLONG, "'%s': path too long", out);
	if (!mkdtemp(stage))
		return error_set(e, -errno, "staging directory in %s: %s", tmpdir, strerror(errno));
	/* Reserve the name; mkfs.erofs writes the image there, then it is reopened. */
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = error_set(e, -errno, "'%s': %s", out, strerror(errno));
		goto out;
	}
	close(fd);
	fd = -1;
	tmp_made = true;
	/* mkdtemp() and mkstemp() make 0700 and 0600; the package and its root get usual modes. */
	mask = umask(0);
	umask(mask);
	if (chmod(stage, 0755) < 0 || chmod(tmp, 0666 & ~mask) < 0) {
		err = error_set(e, -errno, "chmod: %s", strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < n && err >= 0; i++)
		err = stage_entry(stage, &entries[i], e);
	if (err >= 0)
		err = run_mkfs(mkfs, tmp, stage, e);
	if (err >= 0) {
		fd = open(tmp, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			err = error_set(e, -errno, "image: %s", strerror(errno));
	}
	if (err >= 0)
		err = finish_package(fd, check_config, e);
	if (err >= 0 && rename(tmp, out) < 0)
		err = error_set(e, -errno, "'%s': %s", out, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	if (err < 0 && tmp_made)
		unlink(tmp);
	nftw(stage, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	return err;
}
