/* rc_parse.c - tokenizer and parser of init.rc files; see rc_parse.h. */
#include "rc_parse.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "guest/libprop/prop_wire.h"
#include "lib/common/file.h"
#include "rc_builtins.h"

/* Bounds on one logical line, so that hostile input stays cheap. */
#define RC_LINE_BYTES 65536
#define RC_LINE_WORDS 256
/* The largest .rc file read. */
#define RC_FILE_MAX (1u << 20)

/* ---- tokenizer ---- */

struct lexer {
	const char *p, *end;
	int line; /* line number of *p */
};

/* One logical line: its words, and why it is bad (NULL if it is not). */
struct rc_line {
	char **argv;
	int argc;
	int line;
	const char *bad;
	char *word; /* the word being read */
	size_t len, total;
	bool in_word;
};

static void line_reset(struct rc_line *ln)
{
	rc_strv_free(ln->argv, (size_t)ln->argc);
	ln->argv = NULL;
	ln->argc = 0;
	ln->bad = NULL;
	ln->len = 0;
	ln->total = 0;
	ln->in_word = false;
}

static void line_bad(struct rc_line *ln, const char *why)
{
	if (!ln->bad)
		ln->bad = why;
}

static int add_char(struct rc_line *ln, char c)
{
	ln->in_word = true;
	if (++ln->total > RC_LINE_BYTES) {
		line_bad(ln, "line too long");
		return 0;
	}
	if (!ln->word) {
		ln->word = malloc(RC_LINE_BYTES + 1);
		if (!ln->word)
			return -ENOMEM;
	}
	ln->word[ln->len++] = c;
	return 0;
}

static int end_word(struct rc_line *ln)
{
	char **argv;

	if (!ln->in_word)
		return 0;
	ln->in_word = false;
	if (ln->argc == RC_LINE_WORDS) {
		line_bad(ln, "too many words on one line");
		ln->len = 0;
		return 0;
	}
	argv = realloc(ln->argv, sizeof(*argv) * ((size_t)ln->argc + 2));
	if (!argv)
		return -ENOMEM;
	ln->argv = argv;
	argv[ln->argc] = malloc(ln->len + 1);
	if (!argv[ln->argc])
		return -ENOMEM;
	if (ln->len)
		memcpy(argv[ln->argc], ln->word, ln->len);
	argv[ln->argc][ln->len] = '\0';
	argv[++ln->argc] = NULL;
	ln->len = 0;
	return 0;
}

/* The character a backslash escape stands for. */
static char unescape(char c)
{
	switch (c) {
	case 'n':
		return '\n';
	case 't':
		return '\t';
	case 'r':
		return '\r';
	default:
		return c;
	}
}

/*
 * Read the next logical line with at least one word (or a bad one) into
 * @ln.  Returns 1 when there is one, 0 at the end, -ENOMEM.
 */
static int next_line(struct lexer *lx, struct rc_line *ln)
{
	bool quoted = false;
	int r = 0;

	line_reset(ln);
	ln->line = lx->line;
	while (lx->p < lx->end && r == 0) {
		char c = *lx->p++;

		if (c == '\0') {
			line_bad(ln, "NUL byte in line");
			continue;
		}
		if (c == '\n') {
			lx->line++;
			if (quoted) {
				line_bad(ln, "unterminated quote");
				quoted = false;
			}
			r = end_word(ln);
			if (r == 0 && (ln->argc || ln->bad))
				return 1;
			ln->line = lx->line;
			continue;
		}
		if (c == '\\') {
			if (lx->p == lx->end)
				break;
			c = *lx->p++;
			if (c == '\n') {
				lx->line++;
				continue;
			}
			if (c == '\0') {
				line_bad(ln, "NUL byte in line");
				continue;
			}
			r = add_char(ln, unescape(c));
			continue;
		}
		if (quoted) {
			if (c == '"')
				quoted = false;
			else
				r = add_char(ln, c);
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			r = end_word(ln);
		} else if (c == '#' && !ln->in_word) {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
		} else if (c == '"') {
			quoted = true;
			ln->in_word = true;
		} else {
			r = add_char(ln, c);
		}
	}
	if (r < 0)
		return r;
	if (quoted)
		line_bad(ln, "unterminated quote");
	r = end_word(ln);
	if (r < 0)
		return r;
	return ln->argc || ln->bad ? 1 : 0;
}

/* ---- parser ---- */

enum section { SECTION_NONE, SECTION_ACTION, SECTION_SERVICE, SECTION_IMPORT, SECTION_SKIP };

struct parser {
	struct rc_script *s;
	const char *file;
	rc_diag_fn diag;
	void *ctx;
	enum section section;
	struct rc_service *svc; /* the service being defined */
};

static void report(struct parser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(struct parser *p, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->s->errors++;
	if (p->diag)
		p->diag(p->ctx, p->file, line, msg);
}

/* Make @name one of the script's file names; returns the copy or NULL. */
static const char *intern_file(struct rc_script *s, const char *name)
{
	char **files;
	size_t i;

	for (i = 0; i < s->nfiles; i++) {
		if (strcmp(s->files[i], name) == 0)
			return s->files[i];
	}
	files = realloc(s->files, sizeof(*files) * (s->nfiles + 1));
	if (!files)
		return NULL;
	s->files = files;
	files[s->nfiles] = strdup(name);
	return files[s->nfiles] ? files[s->nfiles++] : NULL;
}

/* Grow *@v (of @n elements of @size) by one; returns the new slot or NULL. */
static void *grow(void *v, size_t n, size_t size)
{
	void **pv = v;
	void *bigger = realloc(*pv, size * (n + 1));

	if (!bigger)
		return NULL;
	*pv = bigger;
	return (char *)bigger + size * n;
}

static void action_free(struct rc_action *a)
{
	size_t i;

	free(a->event);
	for (i = 0; i < a->nconds; i++) {
		free(a->conds[i].name);
		free(a->conds[i].value);
	}
	free(a->conds);
	for (i = 0; i < a->ncmds; i++)
		rc_strv_free(a->cmds[i].argv, (size_t)a->cmds[i].argc);
	free(a->cmds);
}

/* Read "property:NAME=VALUE" into a new condition of @a. */
static int add_prop_cond(struct parser *p, struct rc_action *a, const char *trigger, int line)
{
	const char *spec = trigger + strlen("property:");
	const char *eq = strchr(spec, '=');
	struct rc_prop_cond *c;
	char *name;

	if (!eq || eq == spec || !eq[1]) {
		report(p, line, "bad property trigger '%s' (expected property:NAME=VALUE)",
		       trigger);
		return -EINVAL;
	}
	name = strndup(spec, (size_t)(eq - spec));
	if (!name)
		return -ENOMEM;
	if (prop_name_check(name) < 0 || (strcmp(eq + 1, "*") != 0 && prop_value_check(eq + 1))) {
		report(p, line, "bad property trigger '%s'", trigger);
		free(name);
		return -EINVAL;
	}
	c = grow(&a->conds, a->nconds, sizeof(*c));
	if (!c) {
		free(name);
		return -ENOMEM;
	}
	c->name = name;
	c->value = strdup(eq + 1);
	if (!c->value) {
		free(name);
		return -ENOMEM;
	}
	a->nconds++;
	return 0;
}

/* "on TRIGGER [&& TRIGGER]..." */
static int start_action(struct parser *p, struct rc_line *ln)
{
	struct rc_action a = {.file = p->file, .line = ln->line};
	struct rc_action *slot = NULL;
	int i, r = 0;

	if (ln->argc < 2) {
		report(p, ln->line, "on: expected a trigger");
		return -EINVAL;
	}
	for (i = 1; i < ln->argc && r == 0; i++) {
		const char *t = ln->argv[i];

		if (i % 2 == 0) {
			if (strcmp(t, "&&") != 0) {
				report(p, ln->line, "on: expected '&&' between triggers, got '%s'",
				       t);
				r = -EINVAL;
			} else if (i == ln->argc - 1) {
				report(p, ln->line, "on: a trigger must follow '&&'");
				r = -EINVAL;
			}
		} else if (strncmp(t, "property:", 9) == 0) {
			r = add_prop_cond(p, &a, t, ln->line);
		} else if (a.event) {
			report(p, ln->line, "on: more than one event trigger ('%s' and '%s')",
			       a.event, t);
			r = -EINVAL;
		} else if (prop_name_check(t) < 0) {
			report(p, ln->line, "on: bad trigger '%s'", t);
			r = -EINVAL;
		} else if (!(a.event = strdup(t))) {
			r = -ENOMEM;
		}
	}
	if (r == 0) {
		slot = grow(&p->s->actions, p->s->nactions, sizeof(*slot));
		if (!slot)
			r = -ENOMEM;
	}
	if (r < 0) {
		action_free(&a);
		return r;
	}
	*slot = a;
	p->s->nactions++;
	return 0;
}

static int add_command(struct parser *p, struct rc_line *ln)
{
	struct rc_action *a = &p->s->actions[p->s->nactions - 1];
	const struct rc_builtin *b = rc_builtin_find(ln->argv[0]);
	struct rc_command *c;
	char msg[256];

	if (!b) {
		report(p, ln->line, "unknown command '%s'", ln->argv[0]);
		return -EINVAL;
	}
	if (ln->argc - 1 < b->min_args || ln->argc - 1 > b->max_args) {
		rc_arity_message(msg, sizeof(msg), b->name, b->min_args, b->max_args, ln->argc - 1);
		report(p, ln->line, "%s", msg);
		return -EINVAL;
	}
	if (b->check && b->check(ln->argc, ln->argv, msg, sizeof(msg)) < 0) {
		report(p, ln->line, "%s", msg);
		return -EINVAL;
	}
	c = grow(&a->cmds, a->ncmds, sizeof(*c));
	if (!c)
		return -ENOMEM;
	*c = (struct rc_command){b, ln->argc, ln->argv, p->file, ln->line};
	a->ncmds++;
	ln->argv = NULL; /* now the command's */
	ln->argc = 0;
	return 0;
}

/* "service NAME PATH [ARGS...]" */
static int start_service(struct parser *p, struct rc_line *ln)
{
	static char *default_class[] = {"default"};
	struct rc_service *svc, **slot;

	if (ln->argc < 3) {
		report(p, ln->line, "service: expected a name and a path");
		return -EINVAL;
	}
	if (rc_valid_service_name(ln->argv[1]) < 0) {
		report(p, ln->line, "service: bad name '%s' (1 to %d of A-Z a-z 0-9 _ - . @)",
		       ln->argv[1], RC_SERVICE_NAME_MAX - 1);
		return -EINVAL;
	}
	if (ln->argv[2][0] != '/') {
		report(p, ln->line, "service %s: the path '%s' is not absolute", ln->argv[1],
		       ln->argv[2]);
		return -EINVAL;
	}
	if (rc_script_service(p->s, ln->argv[1])) {
		report(p, ln->line, "service %s: defined twice; this one is ignored", ln->argv[1]);
		return -EINVAL;
	}
	svc = calloc(1, sizeof(*svc));
	slot = grow(&p->s->services, p->s->nservices, sizeof(*slot));
	if (!svc || !slot) {
		free(svc);
		return -ENOMEM;
	}
	svc->file = p->file;
	svc->line = ln->line;
	svc->restart_period_ms = RC_RESTART_PERIOD_DEFAULT_MS;
	svc->name = strdup(ln->argv[1]);
	svc->argc = ln->argc - 2;
	svc->argv = rc_strv_copy(ln->argv + 2, (size_t)svc->argc);
	svc->nclasses = 1;
	svc->classes = rc_strv_copy(default_class, 1);
	if (!svc->name || !svc->argv || !svc->classes) {
		rc_service_free(svc);
		return -ENOMEM;
	}
	*slot = svc;
	p->s->nservices++;
	p->svc = svc;
	return 0;
}

static int add_import(struct parser *p, struct rc_line *ln)
{
	struct rc_import *imp;

	if (ln->argc != 2) {
		report(p, ln->line, "import: expected 1 argument, got %d", ln->argc - 1);
		return -EINVAL;
	}
	imp = grow(&p->s->imports, p->s->nimports, sizeof(*imp));
	if (!imp)
		return -ENOMEM;
	imp->path = strdup(ln->argv[1]);
	if (!imp->path)
		return -ENOMEM;
	imp->file = p->file;
	imp->line = ln->line;
	p->s->nimports++;
	return 0;
}

/* A line that starts a section: returns its section, or SECTION_SKIP. */
static int section_line(struct parser *p, struct rc_line *ln, enum section *next)
{
	const char *word = ln->argv[0];
	int r;

	if (strcmp(word, "on") == 0) {
		r = start_action(p, ln);
		*next = SECTION_ACTION;
	} else if (strcmp(word, "service") == 0) {
		r = start_service(p, ln);
		*next = SECTION_SERVICE;
	} else if (strcmp(word, "import") == 0) {
		r = add_import(p, ln);
		*next = SECTION_IMPORT;
	} else {
		return 0;
	}
	if (r == -EINVAL)
		*next = SECTION_SKIP;
	return r == -ENOMEM ? r : 1;
}

static int body_line(struct parser *p, struct rc_line *ln)
{
	char msg[256];
	int r;

	switch (p->section) {
	case SECTION_ACTION:
		r = add_command(p, ln);
		break;
	case SECTION_SERVICE:
		r = rc_service_option(p->svc, ln->argc, ln->argv, msg, sizeof(msg));
		if (r == -EINVAL)
			report(p, ln->line, "service %s: %s", p->svc->name, msg);
		break;
	case SECTION_SKIP:
		r = 0;
		break;
	default:
		report(p, ln->line, "'%s' is outside of an 'on' or 'service' section", ln->argv[0]);
		r = 0;
		break;
	}
	return r == -ENOMEM ? r : 0;
}

static bool is_section_word(const char *w)
{
	return strcmp(w, "on") == 0 || strcmp(w, "service") == 0 || strcmp(w, "import") == 0;
}

int rc_parse_buffer(struct rc_script *s, const char *file, const char *data, size_t len,
		    rc_diag_fn diag, void *ctx)
{
	struct parser p = {.s = s, .diag = diag, .ctx = ctx, .section = SECTION_NONE};
	struct lexer lx = {data, data + len, 1};
	struct rc_line ln = {0};
	enum section next;
	int r;

	p.file = intern_file(s, file);
	if (!p.file)
		return -ENOMEM;
	while ((r = next_line(&lx, &ln)) > 0) {
		if (ln.bad) {
			report(&p, ln.line, "%s; line skipped", ln.bad);
			/* A broken header must not lend its lines to the section before. */
			if (ln.argc && is_section_word(ln.argv[0]))
				p.section = SECTION_SKIP;
			continue;
		}
		r = section_line(&p, &ln, &next);
		if (r > 0)
			p.section = next;
		else if (r == 0)
			r = body_line(&p, &ln);
		if (r < 0)
			break;
	}
	line_reset(&ln);
	free(ln.word);
	return r < 0 ? r : 0;
}

/* ---- files and imports ---- */

/*
 * Parse the file @path; @from is the import line that named it (NULL for
 * a top-level file), where a read error is reported.
 */
static int parse_one_file(struct rc_script *s, const char *path, const struct rc_import *from,
			  rc_diag_fn diag, void *ctx)
{
	char *data;
	size_t len;
	int r;

	r = file_read_all(path, "init script", RC_FILE_MAX, &data, &len, NULL);
	if (r < 0) {
		struct parser p = {
		    .s = s, .file = from ? from->file : path, .diag = diag, .ctx = ctx};

		if (from)
			report(&p, from->line, "import '%s': %s", path, strerror(-r));
		else
			report(&p, 0, "cannot read: %s", strerror(-r));
		return r == -ENOMEM ? r : 0;
	}
	r = rc_parse_buffer(s, path, data, len, diag, ctx);
	free(data);
	return r;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int parse_path(struct rc_script *s, const char *path, const struct rc_import *from,
		      int depth, rc_expand_fn expand, rc_diag_fn diag, void *ctx);

/* Every "*.rc" file of directory @dir, in name order. */
static int parse_dir(struct rc_script *s, const char *dir, int depth, rc_expand_fn expand,
		     rc_diag_fn diag, void *ctx)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0, i;
	struct dirent *de;
	int r = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char **slot;

		if (len < 4 || strcmp(de->d_name + len - 3, ".rc") != 0)
			continue;
		slot = grow(&names, n, sizeof(*names));
		if (!slot || !(*slot = malloc(strlen(dir) + len + 2))) {
			r = -ENOMEM;
			break;
		}
		sprintf(*slot, "%s/%s", dir, de->d_name);
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), compare_names);
	for (i = 0; i < n && r == 0; i++)
		r = parse_path(s, names[i], NULL, depth, expand, diag, ctx);
	rc_strv_free(names, n);
	return r;
}

/* Was @path (a file or directory) read already? */
static bool already_parsed(const struct rc_script *s, const char *path)
{
	size_t i;

	for (i = 0; i < s->nfiles; i++) {
		if (strcmp(s->files[i], path) == 0)
			return true;
	}
	return false;
}

static int parse_path(struct rc_script *s, const char *path, const struct rc_import *from,
		      int depth, rc_expand_fn expand, rc_diag_fn diag, void *ctx)
{
	size_t first_import = s->nimports, last_import, i;
	struct stat st;
	int r;

	if (already_parsed(s, path))
		return 0;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (!intern_file(s, path))
			return -ENOMEM;
		return parse_dir(s, path, depth, expand, diag, ctx);
	}
	r = parse_one_file(s, path, from, diag, ctx);
	last_import = s->nimports;
	for (i = first_import; i < last_import && r == 0; i++) {
		struct parser p = {.s = s, .file = s->imports[i].file, .diag = diag, .ctx = ctx};
		char msg[256] = "", *target;
		struct rc_import imp;

		if (depth + 1 >= RC_IMPORT_DEPTH) {
			report(&p, s->imports[i].line, "import: nested more than %d deep",
			       RC_IMPORT_DEPTH);
			continue;
		}
		target = expand ? expand(ctx, s->imports[i].path, msg, sizeof(msg))
				: strdup(s->imports[i].path);
		if (!target) {
			report(&p, s->imports[i].line, "import: %s",
			       msg[0] ? msg : "out of memory");
			continue;
		}
		/* A copy: parsing may move the imports array. */
		imp = s->imports[i];
		r = parse_path(s, target, &imp, depth + 1, expand, diag, ctx);
		free(target);
	}
	return r;
}

int rc_parse_file(struct rc_script *s, const char *path, rc_expand_fn expand, rc_diag_fn diag,
		  void *ctx)
{
	return parse_path(s, path, NULL, 0, expand, diag, ctx);
}

struct rc_service *rc_script_service(const struct rc_script *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nservices; i++) {
		if (strcmp(s->services[i]->name, name) == 0)
			return s->services[i];
	}
	return NULL;
}

void rc_service_free(struct rc_service *svc)
{
	if (!svc)
		return;
	free(svc->name);
	rc_strv_free(svc->argv, (size_t)svc->argc);
	rc_strv_free(svc->classes, svc->nclasses);
	free(svc->groups);
	rc_strv_free(svc->env, svc->nenv);
	free(svc);
}

void rc_script_free(struct rc_script *s)
{
	size_t i;

	for (i = 0; i < s->nactions; i++)
		action_free(&s->actions[i]);
	free(s->actions);
	for (i = 0; i < s->nservices; i++)
		rc_service_free(s->services[i]);
	free(s->services);
	for (i = 0; i < s->nimports; i++)
		free(s->imports[i].path);
	free(s->imports);
	rc_strv_free(s->files, s->nfiles);
	memset(s, 0, sizeof(*s));
}
