/* crash - a test payload that dies of SIGSEGV. */
#include <stdio.h>

int AVmPayload_main(void);

int AVmPayload_main(void)
{
	volatile int *volatile p = NULL;

	printf("crash: writing through a null pointer\n");
	fflush(stdout);
	*p = 1;
	return 0;
}
