/*
 * servicemanager.h - the guest's binder context manager: the name to
 * binder registry and who may register what.  See docs/binder.md
 * ("servicemanager").
 *
 * Files: allowlist.c (the registration allowlist: parsing and checking;
 * pure, unit-tested), registry.c (android.os.IServiceManager: names,
 * death cleanup, registration callbacks), main.c (the process: the
 * driver, the context manager, the thread pool).
 */
#ifndef GUEST_SERVICEMANAGER_H
#define GUEST_SERVICEMANAGER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <android/binder_ibinder.h>

#define SM_ALLOWLIST_PATH "/system/etc/servicemanager.allow"
#define SM_NAME_MAX 127

/* One allowlist line: @uid may register @name, or names starting with it if @prefix. */
struct sm_allow {
	uid_t uid;
	char name[SM_NAME_MAX + 1];
	bool prefix;
};

struct sm_allowlist {
	struct sm_allow *entries;
	size_t count;
};

/*
 * Parse an allowlist: lines "UID NAME" or "UID PREFIX*" (decimal uid,
 * one name or a prefix ending in '*', "*" alone for any name), blank
 * lines and '#' comments ignored.  Into @list (sm_allowlist_free()).
 * 0, or -EINVAL with the 1-based bad line number in *@bad_line.
 */
int sm_allowlist_parse(const char *text, struct sm_allowlist *list, int *bad_line);
/* Read and parse @path; a missing file is an empty list (only root registers). */
int sm_allowlist_load(const char *path, struct sm_allowlist *list, int *bad_line);
void sm_allowlist_free(struct sm_allowlist *list);
/* May @uid register @name?  Root may register anything. */
bool sm_allowlist_permits(const struct sm_allowlist *list, uid_t uid, const char *name);

/* A valid service name: 1..SM_NAME_MAX chars of [A-Za-z0-9._/-]. */
bool sm_name_valid(const char *name);

/* registry.c: the servicemanager object (one reference; uses @allow, which must outlive it). */
AIBinder *sm_registry_new(const struct sm_allowlist *allow);

#endif
