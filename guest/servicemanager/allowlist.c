/*
 * allowlist.c - who may register which service names: the parser of
 * /system/etc/servicemanager.allow and the check.  See servicemanager.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "servicemanager.h"

bool sm_name_valid(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > SM_NAME_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '/' || c == '-'))
			return false;
	}
	return true;
}

/* One non-comment line into @e; false if malformed. */
static bool parse_line(char *line, struct sm_allow *e)
{
	char *uid_s = strtok(line, " \t"), *name = strtok(NULL, " \t"), *end;
	unsigned long uid;
	size_t n;

	if (!uid_s || !name || strtok(NULL, " \t"))
		return false;
	errno = 0;
	uid = strtoul(uid_s, &end, 10);
	if (errno || *end || end == uid_s || uid > 0xfffffffeul || uid_s[0] == '-')
		return false;
	n = strlen(name);
	e->uid = (uid_t)uid;
	e->prefix = name[n - 1] == '*';
	if (e->prefix)
		name[--n] = '\0';
	if (n > SM_NAME_MAX || (n > 0 && !sm_name_valid(name)) || (n == 0 && !e->prefix))
		return false;
	memcpy(e->name, name, n + 1);
	return true;
}

int sm_allowlist_parse(const char *text, struct sm_allowlist *list, int *bad_line)
{
	char *copy = strdup(text), *line, *hash;
	struct sm_allow e, *grown;
	int lineno = 0, r = 0;

	list->entries = NULL;
	list->count = 0;
	if (!copy)
		return -ENOMEM;
	/* Split by hand: strtok would skip empty lines and miscount. */
	for (line = copy; r == 0 && line; lineno++) {
		char *nl = strchr(line, '\n');

		if (nl)
			*nl = '\0';
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		if (strspn(line, " \t\r") != strlen(line)) {
			line[strcspn(line, "\r")] = '\0';
			if (!parse_line(line, &e)) {
				r = -EINVAL;
				*bad_line = lineno + 1;
			} else if (!(grown = realloc(list->entries,
						     (list->count + 1) * sizeof(*grown)))) {
				r = -ENOMEM;
			} else {
				list->entries = grown;
				list->entries[list->count++] = e;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	free(copy);
	if (r < 0)
		sm_allowlist_free(list);
	return r;
}

int sm_allowlist_load(const char *path, struct sm_allowlist *list, int *bad_line)
{
	FILE *f = fopen(path, "re");
	char *text;
	long n;
	int r;

	list->entries = NULL;
	list->count = 0;
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	if (fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || n > 1 << 20 ||
	    fseek(f, 0, SEEK_SET) < 0) {
		fclose(f);
		return -EFBIG;
	}
	text = calloc(1, (size_t)n + 1);
	if (!text || fread(text, 1, (size_t)n, f) != (size_t)n) {
		free(text);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	r = sm_allowlist_parse(text, list, bad_line);
	free(text);
	return r;
}

void sm_allowlist_free(struct sm_allowlist *list)
{
	free(list->entries);
	list->entries = NULL;
	list->count = 0;
}

bool sm_allowlist_permits(const struct sm_allowlist *list, uid_t uid, const char *name)
{
	size_t i;

	if (uid == 0)
		return true;
	for (i = 0; i < list->count; i++) {
		const struct sm_allow *e = &list->entries[i];

		if (e->uid != uid)
			continue;
		if (e->prefix ? strncmp(name, e->name, strlen(e->name)) == 0
			      : strcmp(name, e->name) == 0)
			return true;
	}
	return false;
}
