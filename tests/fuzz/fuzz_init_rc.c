/*
 * fuzz_init_rc.c - the init.rc parser (guest/init/rc_parse.c and the
 * service options and argument checks it calls) on arbitrary bytes, then
 * the trigger engine and ${...} expansion over what it parsed.
 *
 * Input: the bytes of an init.rc file, as they are.
 * Checked: parsing always completes; every command is a known builtin
 * with an argument count in its bounds and a NULL-terminated argv; every
 * action has an event or a property condition; every service has a valid
 * name and an absolute path; line numbers lie inside the input; the
 * trigger engine hands out each matched command once and drains; nothing
 * is read past the input or leaked.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest/init/rc_builtins.h"
#include "guest/init/rc_expand.h"
#include "guest/init/rc_parse.h"
#include "guest/init/rc_trigger.h"

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static void ignore(void *ctx, const char *file, int line, const char *msg)
{
	(void)ctx;
	(void)file;
	(void)line;
	check(msg && *msg);
}

/* Every property is "1", except those starting with 'u' (unset). */
static const char *get(void *ctx, const char *name)
{
	(void)ctx;
	return name[0] == 'u' ? NULL : "1";
}

static int count_lines(const uint8_t *data, size_t size)
{
	int n = 1;
	size_t i;

	for (i = 0; i < size; i++)
		n += data[i] == '\n';
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rc_script s = {0};
	struct rc_trigger t;
	const struct rc_command *c;
	int lines = count_lines(data, size), handed = 0, limit = 0;
	char *copy = malloc(size ? size : 1);
	size_t i, k;

	/* An exact-size copy, so that reading past @size trips the sanitizer. */
	check(copy != NULL);
	memcpy(copy, data, size);
	check(rc_parse_buffer(&s, "fuzz.rc", copy, size, ignore, NULL) == 0);
	free(copy);
	for (i = 0; i < s.nactions; i++) {
		const struct rc_action *a = &s.actions[i];

		check(a->event || a->nconds);
		check(a->line >= 1 && a->line <= lines);
		for (k = 0; k < a->ncmds; k++) {
			const struct rc_command *cmd = &a->cmds[k];
			char *out, msg[128];

			check(cmd->builtin == rc_builtin_find(cmd->argv[0]));
			check(cmd->argc - 1 >= cmd->builtin->min_args);
			check(cmd->argc - 1 <= cmd->builtin->max_args);
			check(cmd->argv[cmd->argc] == NULL);
			check(cmd->line >= a->line && cmd->line <= lines);
			if (rc_expand(cmd->argv[cmd->argc - 1], get, NULL, &out, msg,
				      sizeof(msg)) == 0)
				free(out);
			limit++;
		}
	}
	for (i = 0; i < s.nservices; i++) {
		check(rc_valid_service_name(s.services[i]->name) == 0);
		check(s.services[i]->argv[0][0] == '/');
		check(s.services[i]->argv[s.services[i]->argc] == NULL);
		check(s.services[i]->nclasses >= 1);
	}
	/* Each action's event once, then all property actions: each command at most twice. */
	rc_trigger_init(&t, &s, get, NULL);
	for (i = 0; i < s.nactions; i++) {
		if (s.actions[i].event)
			check(rc_trigger_queue_event(&t, s.actions[i].event) == 0);
	}
	check(rc_trigger_enable_properties(&t) == 0);
	while ((c = rc_trigger_next(&t, NULL))) {
		check(c->argc >= 1);
		handed++;
		check(handed <= 2 * limit * (int)(s.nactions + 1));
	}
	check(!rc_trigger_busy(&t));
	rc_trigger_free(&t);
	rc_script_free(&s);
	return 0;
}
