/* power.c - poweroff and reboot; see power.h. */
#include "power.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

int power_parse(const char *value, enum power_action *action, char *reason, size_t cap)
{
	const char *comma = strchr(value, ',');
	size_t n = comma ? (size_t)(comma - value) : strlen(value);

	if (n == 8 && strncmp(value, "shutdown", 8) == 0)
		*action = POWER_OFF;
	else if (n == 6 && strncmp(value, "reboot", 6) == 0)
		*action = POWER_REBOOT;
	else
		return -EINVAL;
	snprintf(reason, cap, "%s", comma ? comma + 1 : "");
	return 0;
}

const char *power_action_name(enum power_action action)
{
	return action == POWER_REBOOT ? "reboot" : "poweroff";
}

int power_finish(enum power_action action, const char *reason, const char *record_path)
{
	sync();
	if (record_path) {
		int fd = open(record_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		int r = 0;

		if (fd < 0)
			return -errno;
		if (dprintf(fd, "%s%s%s\n", power_action_name(action), *reason ? "," : "", reason) <
		    0)
			r = -EIO;
		close(fd);
		return r;
	}
	if (getpid() != 1)
		return -EPERM;
	reboot(action == POWER_REBOOT ? RB_AUTOBOOT : RB_POWER_OFF);
	return -errno;
}
