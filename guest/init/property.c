/* property.c - init's property store; see property.h. */
#include "property.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "guest/libprop/prop_wire.h"

struct prop_entry {
	char *name;
	char value[PROP_VALUE_MAX];
};

/* Entries sorted by name, for binary search and ordered listing. */
struct prop_store {
	struct prop_entry *v;
	size_t n, cap;
	prop_change_fn on_change;
	void *ctx;
};

struct prop_store *prop_store_new(void)
{
	return calloc(1, sizeof(struct prop_store));
}

void prop_store_free(struct prop_store *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		free(s->v[i].name);
	free(s->v);
	free(s);
}

void prop_store_on_change(struct prop_store *s, prop_change_fn fn, void *ctx)
{
	s->on_change = fn;
	s->ctx = ctx;
}

/* Index of @name, or of where it would go with *found false. */
static size_t find(const struct prop_store *s, const char *name, bool *found)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->v[mid].name, name);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

const char *prop_store_get(const struct prop_store *s, const char *name)
{
	bool found;
	size_t i = find(s, name, &found);

	return found ? s->v[i].value : NULL;
}

static int insert(struct prop_store *s, size_t at, const char *name)
{
	char *copy;

	if (s->n == PROP_STORE_MAX)
		return -ENOSPC;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct prop_entry *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	memmove(&s->v[at + 1], &s->v[at], (s->n - at) * sizeof(*s->v));
	s->v[at].name = copy;
	s->v[at].value[0] = '\0';
	s->n++;
	return 0;
}

int prop_store_set(struct prop_store *s, const char *name, const char *value)
{
	bool found;
	size_t i;
	int r;

	r = prop_name_check(name);
	if (r < 0)
		return r;
	r = prop_value_check(value);
	if (r < 0)
		return r;
	i = find(s, name, &found);
	if (found && strncmp(name, "ro.", 3) == 0)
		return -EROFS;
	if (!found) {
		r = insert(s, i, name);
		if (r < 0)
			return r;
	}
	strcpy(s->v[i].value, value);
	if (s->on_change)
		s->on_change(s->ctx, s->v[i].name, s->v[i].value);
	return 0;
}

size_t prop_store_count(const struct prop_store *s)
{
	return s->n;
}

void prop_store_foreach(const struct prop_store *s,
			void (*fn)(void *ctx, const char *name, const char *value), void *ctx)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		fn(ctx, s->v[i].name, s->v[i].value);
}

struct import_ctx {
	struct prop_store *s;
	void (*skipped)(void *ctx, const char *key, int err);
	void *ctx;
	int count;
};

static int import_word(void *opaque, const char *key, const char *value)
{
	static const char prefix[] = "androidboot.";
	struct import_ctx *ic = opaque;
	char name[PROP_NAME_MAX];
	int r;

	if (strncmp(key, prefix, sizeof(prefix) - 1) != 0)
		return 0;
	if (!value) {
		r = -EINVAL;
	} else if (snprintf(name, sizeof(name), "ro.boot.%s", key + sizeof(prefix) - 1) >=
		   (int)sizeof(name)) {
		r = -ENAMETOOLONG;
	} else {
		r = prop_store_set(ic->s, name, value);
	}
	if (r == 0)
		ic->count++;
	else if (ic->skipped)
		ic->skipped(ic->ctx, key, r);
	return 0;
}

int prop_store_import_cmdline(struct prop_store *s, const char *cmdline,
			      void (*skipped)(void *ctx, const char *key, int err), void *ctx)
{
	struct import_ctx ic = {s, skipped, ctx, 0};
	int r = cmdline_foreach(cmdline, import_word, &ic);

	return r < 0 ? r : ic.count;
}
