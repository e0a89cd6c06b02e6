/* version.c: the version and the commit this binary was built from (the
 * Makefile writes steval_version.h; lib/common.h declares these). */
#include "lib/common.h"
#include "steval_version.h"

const char *steval_version(void)
{
	return STEVAL_VERSION;
}

const char *steval_git(void)
{
	return STEVAL_GIT;
}
