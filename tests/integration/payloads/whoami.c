/*
 * whoami - a test payload that prints its environment: the Uid, Gid,
 * Groups, CapEff, CapPrm, CapBnd, CapAmb and NoNewPrivs lines of
 * /proc/self/status, its cwd and LD_LIBRARY_PATH, each prefixed with
 * "whoami: ".  Exit code 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int AVmPayload_main(void);

int AVmPayload_main(void)
{
	static const char *const keys[] = {
	    "Uid:", "Gid:", "Groups:", "CapEff:", "CapPrm:", "CapBnd:", "CapAmb:", "NoNewPrivs:"};
	char line[256], cwd[256];
	FILE *f = fopen("/proc/self/status", "r");
	const char *ld = getenv("LD_LIBRARY_PATH");

	if (!f) {
		perror("whoami: /proc/self/status");
		return 1;
	}
	while (fgets(line, sizeof(line), f))
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (!strncmp(line, keys[i], strlen(keys[i])))
				printf("whoami: %s", line);
	fclose(f);
	printf("whoami: cwd %s\n", getcwd(cwd, sizeof(cwd)) ? cwd : "?");
	printf("whoami: LD_LIBRARY_PATH %s\n", ld ? ld : "(unset)");
	return 0;
}
