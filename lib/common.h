/*
 * common.h: the first include of every steval source file.
 *
 * Feature macros come from the Makefile (_DEFAULT_SOURCE, _POSIX_C_SOURCE).
 * This header pulls in the standard headers every module uses, a few
 * attribute macros, and finally banned.h, which turns unsafe libc string
 * functions into compile errors.
 */
#ifndef STEVAL_COMMON_H
#define STEVAL_COMMON_H

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))
#define MAYBE_UNUSED __attribute__((unused))

/* Version and the git commit of this build (harness/cli/version.c). */
const char *steval_version(void);
const char *steval_git(void);

/* Exit codes of the steval command (documented in steval(1)). */
enum {
	EXIT_OK = 0,           /* success */
	EXIT_REGRESSION = 1,   /* compare found a regression */
	EXIT_USAGE = 2,        /* bad usage or bad input */
	EXIT_INCOMPLETE = 3,   /* a run finished with too many errors or was interrupted */
};

#include "lib/banned.h"

#endif
