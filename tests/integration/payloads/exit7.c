/* exit7 - a test payload: one line on stdout, one on stderr, exit code 7. */
#include <stdio.h>

int AVmPayload_main(void);

int AVmPayload_main(void)
{
	printf("exit7: a line on stdout\n");
	fprintf(stderr, "exit7: a line on stderr\n");
	return 7;
}
