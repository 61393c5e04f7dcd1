/*
 * cmd_inspect.c - `vm inspect PACKAGE`: check a payload package the way a
 * VM would, and print its footer, its task and its files.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "lib/common/file.h"
#include "lib/payload/package.h"

static const char usage_text[] =
    "Usage: vm inspect PACKAGE\n"
    "\n"
    "Check a payload package (its footer, the image's SHA-256, the EROFS file\n"
    "system, vm_config.json and the library it names) and print the footer, the\n"
    "task and every file: mode, size in bytes (- for a directory) and path.\n"
    "\n"
    "Exit status: 0 the package is valid; 1 it is not (one line on stderr says\n"
    "why); 2 bad command line.\n";

static const struct option options[] = {
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void print_mode(FILE *out, uint32_t mode)
{
	static const char rwx[] = "rwxrwxrwx";
	char s[11];

	switch (mode & S_IFMT) {
	case S_IFDIR:
		s[0] = 'd';
		break;
	case S_IFLNK:
		s[0] = 'l';
		break;
	case S_IFREG:
		s[0] = '-';
		break;
	default:
		s[0] = '?';
		break;
	}
	for (int i = 0; i < 9; i++)
		s[i + 1] = mode & (0400 >> i) ? rwx[i] : '-';
	s[10] = '\0';
	fputs(s, out);
}

/* One line per file, into the FILE @opaque. */
static int print_file(void *opaque, const char *path, const struct erofs_inode *ino)
{
	FILE *out = opaque;

	fputs("  ", out);
	print_mode(out, ino->mode);
	if (S_ISDIR(ino->mode))
		fprintf(out, " %10s %s\n", "-", path);
	else
		fprintf(out, " %10llu %s\n", (unsigned long long)ino->size, path);
	return 0;
}

static void print_hex(const uint8_t *p, size_t len)
{
	while (len--)
		printf("%02x", *p++);
}

int cmd_inspect(int argc, char **argv)
{
	struct vm_payload_config cfg;
	struct error err = {{0}};
	const uint8_t *data;
	const char *path;
	struct pkg pkg;
	char *files = NULL;
	size_t len, files_len = 0;
	FILE *list;
	int opt, r;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		if (opt != 'h')
			return vm_bad_option("inspect", opt, argv);
		fputs(usage_text, stdout);
		return VM_EXIT_OK;
	}
	if (optind == argc)
		return vm_usage("inspect", "no package given: vm inspect PACKAGE");
	if (optind + 1 < argc)
		return vm_usage("inspect", "unexpected argument '%s'", argv[optind + 1]);
	path = argv[optind];

	if (file_map(path, "package", &data, &len, &err) < 0)
		return vm_fail("inspect", "%s", err.msg);
	r = pkg_open(&pkg, data, len, &err);
	if (r >= 0)
		r = pkg_load_config(&pkg.fs, &cfg, &err);
	/* The file list is made first, so that a bad tree prints nothing but the error. */
	if (r >= 0) {
		list = open_memstream(&files, &files_len);
		if (!list) {
			r = error_set(&err, -ENOMEM, "out of memory");
		} else {
			r = erofs_walk(&pkg.fs, print_file, list, &err);
			if (fclose(list) && r >= 0)
				r = error_set(&err, -ENOMEM, "out of memory");
		}
	}
	if (r < 0) {
		file_unmap(data, len);
		free(files);
		return vm_fail("inspect", "%s: %s", path, err.msg);
	}

	printf("package: %s\n", path);
	printf("size: %llu\n", (unsigned long long)pkg.size);
	printf("format: %u\n", pkg.footer.version);
	printf("flags: compat %#x, incompat %#x\n", pkg.footer.compat_flags,
	       pkg.footer.incompat_flags);
	printf("image: erofs, %llu bytes, sha256 ", (unsigned long long)pkg.footer.image_size);
	print_hex(pkg.footer.image_sha256, sizeof(pkg.footer.image_sha256));
	printf(" (verified)\n");
	if (pkg.footer.sig_size)
		printf("signature: %llu bytes at %llu (not checked: no signatures yet)\n",
		       (unsigned long long)pkg.footer.sig_size,
		       (unsigned long long)pkg.footer.sig_offset);
	else
		printf("signature: none\n");
	printf("task: %s %s\n", payload_task_type_name(cfg.task_type), cfg.command);
	printf("files:\n%s", files);
	free(files);
	file_unmap(data, len);
	return VM_EXIT_OK;
}
