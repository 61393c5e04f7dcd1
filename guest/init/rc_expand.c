/* rc_expand.c - ${...} expansion; see rc_expand.h. */
#include "rc_expand.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest/libprop/prop_wire.h"

struct out_buf {
	char *p;
	size_t len;
};

static int append(struct out_buf *b, const char *s, size_t n)
{
	if (b->len + n > RC_EXPAND_MAX)
		return -E2BIG;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

int rc_expand(const char *in, rc_prop_get_fn get, void *ctx, char **out, char *msg, size_t cap)
{
	struct out_buf b = {malloc(RC_EXPAND_MAX + 1), 0};
	const char *p = in;
	int r = 0;

	*out = NULL;
	if (!b.p) {
		snprintf(msg, cap, "out of memory");
		return -ENOMEM;
	}
	while (*p && r == 0) {
		const char *dollar = strchr(p, '$');
		const char *close, *dflt, *value;
		char name[PROP_NAME_MAX];
		size_t name_len;

		if (!dollar) {
			r = append(&b, p, strlen(p));
			break;
		}
		r = append(&b, p, (size_t)(dollar - p));
		if (r < 0)
			break;
		if (dollar[1] == '$' || dollar[1] != '{') {
			r = append(&b, "$", 1);
			p = dollar + (dollar[1] == '$' ? 2 : 1);
			continue;
		}
		close = strchr(dollar + 2, '}');
		if (!close) {
			snprintf(msg, cap, "unterminated '${' in '%s'", in);
			r = -EINVAL;
			break;
		}
		dflt = strstr(dollar + 2, ":-");
		if (dflt && dflt > close)
			dflt = NULL;
		name_len = (size_t)((dflt ? dflt : close) - (dollar + 2));
		if (name_len >= sizeof(name)) {
			snprintf(msg, cap, "bad property name in '%s'", in);
			r = -EINVAL;
			break;
		}
		memcpy(name, dollar + 2, name_len);
		name[name_len] = '\0';
		if (prop_name_check(name) < 0) {
			snprintf(msg, cap, "bad property name '%s' in '%s'", name, in);
			r = -EINVAL;
			break;
		}
		value = get(ctx, name);
		if (value && *value) {
			r = append(&b, value, strlen(value));
		} else if (dflt) {
			r = append(&b, dflt + 2, (size_t)(close - dflt - 2));
		} else {
			snprintf(msg, cap, "property '%s' is not set (in '%s')", name, in);
			r = -ENOENT;
		}
		p = close + 1;
	}
	if (r == -E2BIG)
		snprintf(msg, cap, "expansion of '%.64s' is longer than %d bytes", in,
			 RC_EXPAND_MAX);
	if (r < 0) {
		free(b.p);
		return r;
	}
	b.p[b.len] = '\0';
	*out = b.p;
	return 0;
}
