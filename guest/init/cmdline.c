/* cmdline.c - the kernel command line; see cmdline.h. */
#include "cmdline.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/common/file.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int cmdline_foreach(const char *text, int (*fn)(void *ctx, const char *key, const char *value),
		    void *ctx)
{
	size_t len = strlen(text);
	char *word = malloc(len + 1);
	const char *p = text;
	int r = 0;

	if (!word)
		return -ENOMEM;
	while (*p && r == 0) {
		bool quoted = false;
		size_t n = 0;
		char *eq;

		while (is_space(*p))
			p++;
		if (!*p)
			break;
		for (; *p && (quoted || !is_space(*p)); p++) {
			if (*p == '"')
				quoted = !quoted;
			else
				word[n++] = *p;
		}
		word[n] = '\0';
		eq = strchr(word, '=');
		if (eq)
			*eq = '\0';
		r = fn(ctx, word, eq ? eq + 1 : NULL);
	}
	free(word);
	return r;
}

struct get_ctx {
	const char *key;
	char *out;
	size_t cap;
	int result;
};

static int get_word(void *opaque, const char *key, const char *value)
{
	struct get_ctx *g = opaque;
	size_t n;

	if (strcmp(key, g->key) != 0)
		return 0;
	if (!value) {
		g->result = -ENOENT;
		return 0;
	}
	n = strlen(value);
	if (n >= g->cap) {
		g->result = -ENAMETOOLONG;
		return 0;
	}
	memcpy(g->out, value, n + 1);
	g->result = (int)n;
	return 0;
}

int cmdline_get(const char *text, const char *key, char *out, size_t cap)
{
	struct get_ctx g = {key, out, cap, -ENOENT};
	int r = cmdline_foreach(text, get_word, &g);

	return r < 0 ? r : g.result;
}

int cmdline_read(const char *path, char **out, struct error *e)
{
	size_t len;

	return file_read_all(path, "kernel command line", CMDLINE_FILE_MAX, out, &len, e);
}
