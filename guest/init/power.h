/*
 * power.h - powering the VM off or rebooting it, for both stages.
 *
 * sys.powerctl takes "shutdown[,REASON]" or "reboot[,REASON]".  The second
 * stage first stops every service (service_shutdown_all()), then calls
 * power_finish().
 *
 * Test mode: with a record file, power_finish() writes "ACTION[,REASON]\n"
 * there ("poweroff,..." or "reboot,...") instead of calling reboot(2),
 * and init exits.  reboot(2) is only ever called by PID 1, so init run as
 * an ordinary process can never take the machine down.
 */
#ifndef MICRODROID_INIT_POWER_H
#define MICRODROID_INIT_POWER_H

#include <stddef.h>

enum power_action {
	POWER_NONE,
	POWER_OFF,
	POWER_REBOOT,
};

/*
 * Read a sys.powerctl value into @action and @reason (@cap bytes; "" if
 * none).  Returns 0 or -EINVAL.
 */
int power_parse(const char *value, enum power_action *action, char *reason, size_t cap);

/* "poweroff" or "reboot". */
const char *power_action_name(enum power_action action);

/*
 * sync(), then record @action in @record_path (if not NULL) and return
 * 0; or, in PID 1, reboot(2): RB_POWER_OFF or RB_AUTOBOOT, which does not
 * return.  Returns -EPERM when not PID 1 and not recording, or -errno
 * from the record file or reboot(2).
 */
int power_finish(enum power_action action, const char *reason, const char *record_path);

#endif
