/*
 * opt.h: table-driven option parsing for subcommands.
 *
 * Each subcommand declares a table of struct opt ending with OPT_END. The
 * same table drives parsing and the option list printed by --help, so the
 * two cannot disagree. Accepted forms: --name VALUE, --name=VALUE, -x VALUE,
 * flags (--name), repeatable options (OPT_LIST), and "--" to end options.
 * Positional arguments are returned in order.
 *
 * Numbers out of their type's range are a usage error saying the range
 * (never a silent default); upper bounds are checked by the commands.
 *
 * opt_parse() reports problems through error() and returns -1 (the caller
 * exits 2); it returns 1 when --help was given (usage already printed).
 */
#ifndef STEVAL_OPT_H
#define STEVAL_OPT_H

#include "lib/common.h"

enum opt_type {
	OPT_FLAG,     /* int *: set to 1 */
	OPT_STR,      /* const char **: points into argv */
	OPT_INT,      /* long *: any whole number */
	OPT_DOUBLE,   /* double *: any finite number (NaN and infinities are refused) */
	OPT_UINT,     /* long *: a whole number >= 0 */
	OPT_PINT,     /* long *: a whole number >= 1 */
	OPT_UDOUBLE,  /* double *: a finite number >= 0 */
	OPT_PDOUBLE,  /* double *: a finite number > 0 */
	OPT_LIST,     /* struct opt_list *: every occurrence appended */
	OPT_COUNT,    /* int *: incremented (-v -v) */
	OPT_END,
};

struct opt_list {
	const char **v;
	size_t nr, alloc;
};

struct opt {
	const char *name;     /* long name without dashes */
	char shortname;       /* 0 for none */
	enum opt_type type;
	void *dest;
	const char *argname;  /* shown in help: "N", "DIR" */
	const char *help;
};

#define OPT_END_MARK { NULL, 0, OPT_END, NULL, NULL, NULL }

struct opt_cmd {
	const char *name;     /* "run" */
	const char *usage;    /* "steval run SUITE --model SPEC [options]" */
	const char *summary;  /* one line */
	const struct opt *opts;
	size_t min_pos, max_pos;   /* allowed positional argument counts */
};

/* Parses argv[1..argc) (argv[0] is the subcommand name). Positional
 * arguments are stored in *pos (a new array the caller frees, borrowing
 * argv strings). */
int opt_parse(const struct opt_cmd *cmd, int argc, char **argv,
	      const char ***pos, size_t *npos);
void opt_usage(FILE *f, const struct opt_cmd *cmd);
void opt_list_release(struct opt_list *l);

#endif
