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
