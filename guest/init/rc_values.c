/* rc_values.c - argument values of the init.rc language; see rc_parse.h. */
#include "rc_parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Built-in users and groups: the guest has no passwd or group database. */
static const struct {
	const char *name;
	uint32_t id;
} known_ids[] = {
	{"root", 0},
	{"system", 1000},
	{"shell", 2000},
	{"nobody", 9999},
};

/* A decimal number of at most @max; 0 or -EINVAL. */
static int parse_decimal(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -EINVAL;
	}
	*out = v;
	return 0;
}

int rc_parse_mode(const char *s, unsigned *mode)
{
	unsigned v = 0;

	if (!*s || strlen(s) > 5)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '7')
			return -EINVAL;
		v = v * 8 + (unsigned)(*s - '0');
	}
	if (v > 07777)
		return -EINVAL;
	*mode = v;
	return 0;
}

int rc_parse_id(const char *s, uint32_t *id)
{
	uint64_t v;
	size_t i;

	for (i = 0; i < sizeof(known_ids) / sizeof(known_ids[0]); i++) {
		if (strcmp(s, known_ids[i].name) == 0) {
			*id = known_ids[i].id;
			return 0;
		}
	}
	/* (uid_t)-1 means "unchanged" to the kernel, so it is not an id. */
	if (parse_decimal(s, UINT32_MAX - 1, &v) < 0)
		return -EINVAL;
	*id = (uint32_t)v;
	return 0;
}

int rc_parse_seconds(const char *s, int64_t *ms)
{
	char whole[8];
	const char *dot = strchr(s, '.');
	size_t n = dot ? (size_t)(dot - s) : strlen(s);
	uint64_t sec, frac = 0;
	size_t i;

	if (n == 0 || n >= sizeof(whole))
		return -EINVAL;
	memcpy(whole, s, n);
	whole[n] = '\0';
	if (parse_decimal(whole, 86400, &sec) < 0)
		return -EINVAL;
	if (dot) {
		const char *f = dot + 1;
		size_t nf = strlen(f);

		if (nf == 0 || nf > 3)
			return -EINVAL;
		for (i = 0; i < 3; i++) {
			frac *= 10;
			if (i >= nf)
				continue;
			if (f[i] < '0' || f[i] > '9')
				return -EINVAL;
			frac += (uint64_t)(f[i] - '0');
		}
	}
	if (sec * 1000 + frac > 86400 * 1000)
		return -EINVAL;
	*ms = (int64_t)(sec * 1000 + frac);
	return 0;
}

int rc_valid_service_name(const char *name)
{
	size_t n = strlen(name), i;

	if (n == 0 || n >= RC_SERVICE_NAME_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || c == '@'))
			return -EINVAL;
	}
	return 0;
}

void rc_arity_message(char *msg, size_t cap, const char *name, int min, int max, int got)
{
	if (min == max)
		snprintf(msg, cap, "%s: expected %d argument%s, got %d", name, min,
			 min == 1 ? "" : "s", got);
	else
		snprintf(msg, cap, "%s: expected %d to %d arguments, got %d", name, min, max, got);
}

char **rc_strv_copy(char *const *v, size_t n)
{
	char **out = calloc(n + 1, sizeof(*out));
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		out[i] = strdup(v[i]);
		if (!out[i]) {
			rc_strv_free(out, i);
			return NULL;
		}
	}
	return out;
}

void rc_strv_free(char **v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
