/*
 * rc_parse.h - the init.rc language: tokenizer and parser into a script
 * of actions and services.
 *
 * Lexical rules.  A file is read line by line.  A line is split into
 * words at spaces and tabs.  Double quotes keep spaces inside a word and
 * are dropped ("a b"c is the word `a bc`; "" is an empty word).  A
 * backslash escapes the next character: \n, \t and \r give newline, tab
 * and carriage return, \\ a backslash, \" a quote, \<space> a space; a
 * backslash at the end of a line joins the next line to it.  A word
 * starting with '#' begins a comment that runs to the end of the line.
 * A NUL byte or an unterminated quote makes the line bad.
 *
 * Sections.  "on TRIGGERS", "service NAME PATH [ARGS...]" and
 * "import PATH" start a section; the lines after "on" are commands, those
 * after "service" are options, "import" takes none.  Triggers are
 * "EVENT" or "property:NAME=VALUE" (VALUE "*": any non-empty value)
 * joined by "&&", with at most one event.
 *
 * Errors.  A bad line is reported through the diagnostic callback as
 * "unknown command 'foo'" with its file and line, and skipped; a bad
 * section header skips the whole section.  Parsing never stops early.
 * The parser checks commands' names and argument counts (and the
 * arguments it can check before ${...} expansion, see rc_builtins.h) and
 * applies service options.
 */
#ifndef MICRODROID_INIT_RC_PARSE_H
#define MICRODROID_INIT_RC_PARSE_H

#include <stddef.h>
#include <stdint.h>

struct rc_builtin;

struct rc_command {
	const struct rc_builtin *builtin;
	int argc;
	char **argv; /* argv[0] is the command's name; argv[argc] is NULL */
	const char *file;
	int line;
};

/* "property:NAME=VALUE" */
struct rc_prop_cond {
	char *name;
	char *value; /* "*" matches any non-empty value */
};

struct rc_action {
	char *event; /* NULL for an action with property triggers only */
	struct rc_prop_cond *conds;
	size_t nconds;
	struct rc_command *cmds;
	size_t ncmds;
	const char *file;
	int line;
};

enum rc_service_flag {
	RC_SVC_ONESHOT = 1 << 0,
	RC_SVC_DISABLED = 1 << 1,
	RC_SVC_CRITICAL = 1 << 2,
	RC_SVC_STDIO_TO_KMSG = 1 << 3,
};

#define RC_SERVICE_NAME_MAX 64
#define RC_RESTART_PERIOD_DEFAULT_MS 5000

struct rc_service {
	char *name;
	int argc;
	char **argv;	/* argv[0] is the program's path; argv[argc] is NULL */
	char **classes; /* "default" unless a class option says otherwise */
	size_t nclasses;
	uint32_t uid, gid;
	uint32_t *groups; /* supplementary groups */
	size_t ngroups;
	unsigned flags;		   /* enum rc_service_flag */
	int64_t restart_period_ms; /* a restart comes no sooner than this after a start */
	char **env;		   /* "NAME=VALUE" from setenv */
	size_t nenv;
	const char *file;
	int line;
};

struct rc_import {
	char *path;
	const char *file;
	int line;
};

/* Everything parsed from one or more files.  Zero-initialize before use. */
struct rc_script {
	struct rc_action *actions;
	size_t nactions;
	struct rc_service **services;
	size_t nservices;
	struct rc_import *imports;
	size_t nimports;
	char **files; /* file names, owned here; commands point at them */
	size_t nfiles;
	unsigned errors; /* diagnostics reported so far */
};

/* Receives one diagnostic: "unknown command 'foo'" at @file:@line. */
typedef void (*rc_diag_fn)(void *ctx, const char *file, int line, const char *msg);

/*
 * Parse @len bytes at @data, named @file in diagnostics, appending to
 * @s.  Import lines are only recorded in s->imports (rc_parse_file()
 * follows them).  Returns 0, or -ENOMEM (the script is then partial but
 * consistent).
 */
int rc_parse_buffer(struct rc_script *s, const char *file, const char *data, size_t len,
		    rc_diag_fn diag, void *ctx);

/*
 * Parse the file at @path, then the files it imports, in order, each
 * once; a directory imports its "*.rc" files in name order.  Imports
 * nest at most RC_IMPORT_DEPTH deep.  @expand (may be NULL) rewrites
 * ${...} in import paths: it returns a new string or NULL with a reason
 * in @msg.  A file that cannot be read is a diagnostic.
 * Returns 0 or -ENOMEM.
 */
#define RC_IMPORT_DEPTH 8
typedef char *(*rc_expand_fn)(void *ctx, const char *in, char *msg, size_t msg_cap);
int rc_parse_file(struct rc_script *s, const char *path, rc_expand_fn expand, rc_diag_fn diag,
		  void *ctx);

/* Find a service by name, or NULL. */
struct rc_service *rc_script_service(const struct rc_script *s, const char *name);

/* Free everything in @s and zero it. */
void rc_script_free(struct rc_script *s);

/* Free one service definition (and NULL). */
void rc_service_free(struct rc_service *svc);

/*
 * Helpers shared with the builtins.  rc_parse_mode: octal, at most 07777;
 * rc_parse_id: a number or a name of the built-in table (root 0, system
 * 1000, shell 2000, nobody 9999); rc_parse_seconds: "N" or "N.NNN"
 * seconds (at most a day) in milliseconds; rc_valid_service_name:
 * 1 to RC_SERVICE_NAME_MAX - 1 bytes of [A-Za-z0-9_.@-].  Each returns 0
 * or -EINVAL.
 */
int rc_parse_mode(const char *s, unsigned *mode);
int rc_parse_id(const char *s, uint32_t *id);
int rc_parse_seconds(const char *s, int64_t *ms);
int rc_valid_service_name(const char *name);

/*
 * Apply the service option line @argv (argv[0] is the option) to @svc:
 * 0, -EINVAL with a reason in @msg, or -ENOMEM.  (rc_options.c; used by
 * the parser.)
 */
int rc_service_option(struct rc_service *svc, int argc, char **argv, char *msg, size_t cap);

/* Supplementary groups a service may have. */
#define RC_GROUPS_MAX 32

/* "NAME: expected 1 to 4 arguments, got 0" into @msg (rc_values.c). */
void rc_arity_message(char *msg, size_t cap, const char *name, int min, int max, int got);

/* A NULL-terminated copy of @n strings, or NULL; and its release. */
char **rc_strv_copy(char *const *v, size_t n);
void rc_strv_free(char **v, size_t n);

#endif
