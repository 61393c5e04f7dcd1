/* mvm_args.c - see mvm_args.h. */
#include "mvm_args.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The most arguments: mvm, 5 flag pairs, a pair per disk, the console pair, NULL. */
#define MAX_ARGS (1 + 2 * 5 + 2 * RAW_CONFIG_MAX_DISKS + 2 + 1)

struct args {
	char **v;
	size_t n;
	bool failed;
};

__attribute__((format(printf, 2, 3))) static void add(struct args *a, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (a->failed)
		return;
	va_start(ap, fmt);
	r = vasprintf(&a->v[a->n], fmt, ap);
	va_end(ap);
	if (r < 0) {
		a->v[a->n] = NULL;
		a->failed = true;
		return;
	}
	a->n++;
}

void mvm_args_free(char **argv)
{
	if (!argv)
		return;
	for (char **p = argv; *p; p++)
		free(*p);
	free(argv);
}

int mvm_args_build(const struct raw_config *cfg, const struct mvm_launch *launch, char ***argv,
		   struct error *e)
{
	struct args a = {.v = calloc(MAX_ARGS, sizeof(char *))};
	unsigned int cpus = 1;

	*argv = NULL;
	if (!a.v)
		return error_set(e, -ENOMEM, "out of memory");
	if (!cfg->kernel) {
		free(a.v);
		return error_set(e, -EINVAL, "no kernel to boot");
	}
	if (cfg->cpu_topology == CPU_TOPOLOGY_MATCH_HOST) {
		cpus = launch->host_cpus < MVM_MAX_CPUS ? launch->host_cpus : MVM_MAX_CPUS;
		if (cpus == 0)
			cpus = 1;
	}
	add(&a, "%s", launch->mvm);
	add(&a, "--kernel");
	add(&a, "%s", cfg->kernel);
	if (cfg->initrd) {
		add(&a, "--initrd");
		add(&a, "%s", cfg->initrd);
	}
	if (cfg->params) {
		add(&a, "--cmdline");
		add(&a, "%s", cfg->params);
	}
	add(&a, "--mem");
	add(&a, "%u", cfg->memory_mib ? cfg->memory_mib : RAW_CONFIG_DEFAULT_MEM_MIB);
	add(&a, "--cpus");
	add(&a, "%u", cpus);
	for (unsigned int i = 0; i < cfg->nr_disks && i < RAW_CONFIG_MAX_DISKS; i++) {
		add(&a, "--disk");
		add(&a, "%s%s", cfg->disks[i].image, cfg->disks[i].writable ? "" : ",ro");
	}
	if (launch->console) {
		add(&a, "--console");
		add(&a, "%s", launch->console);
	}
	if (a.failed) {
		mvm_args_free(a.v);
		return error_set(e, -ENOMEM, "out of memory");
	}
	*argv = a.v;
	return 0;
}

/* The most arguments for Microdroid: mvm, 11 flag pairs, NULL. */
#define MICRODROID_MAX_ARGS (1 + 2 * 11 + 1)

int mvm_args_build_microdroid(const struct mvm_microdroid *m, char ***argv, struct error *e)
{
	struct args a = {.v = calloc(MICRODROID_MAX_ARGS, sizeof(char *))};

	*argv = NULL;
	if (!a.v)
		return error_set(e, -ENOMEM, "out of memory");
	if (!m->mvm || !m->kernel || !m->initrd || !m->cmdline || !m->system || !m->payload ||
	    !m->instance || !m->vsock_uds || !m->log) {
		free(a.v);
		return error_set(e, -EINVAL, "mvm command line: a path is missing");
	}
	add(&a, "%s", m->mvm);
	add(&a, "--kernel");
	add(&a, "%s", m->kernel);
	add(&a, "--initrd");
	add(&a, "%s", m->initrd);
	add(&a, "--cmdline");
	add(&a, "%s", m->cmdline);
	add(&a, "--mem");
	add(&a, "%u", m->mem_mib);
	add(&a, "--cpus");
	add(&a, "%u", m->cpus);
	add(&a, "--disk");
	add(&a, "%s,ro,id=system", m->system);
	add(&a, "--disk");
	add(&a, "%s,ro,id=payload", m->payload);
	add(&a, "--disk");
	add(&a, "%s,id=instance", m->instance);
	add(&a, "--cid");
	add(&a, "%u", m->cid);
	add(&a, "--vsock-uds");
	add(&a, "%s", m->vsock_uds);
	add(&a, "--console-port");
	add(&a, "1=%s,name=log", m->log);
	if (a.failed) {
		mvm_args_free(a.v);
		return error_set(e, -ENOMEM, "out of memory");
	}
	*argv = a.v;
	return 0;
}

char *mvm_microdroid_cmdline(const char *text, bool debug)
{
	size_t len = strlen(text), o = 0;
	char *out;

	while (len > 0 && isspace((unsigned char)text[len - 1]))
		len--;
	while (len > 0 && isspace((unsigned char)*text)) {
		text++;
		len--;
	}
	out = malloc(len + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t w = i;

		while (w < len && !isspace((unsigned char)text[w]))
			w++;
		/* The word text[i..w) and the spaces after it. */
		if (!(debug && w - i == 5 && !memcmp(text + i, "quiet", 5))) {
			if (o)
				out[o++] = ' ';
			memcpy(out + o, text + i, w - i);
			o += w - i;
		}
		while (w < len && isspace((unsigned char)text[w]))
			w++;
		i = w;
	}
	out[o] = '\0';
	return out;
}
