/*
 * judge_opts.h: the --judge options shared by `steval run`, `steval score`
 * and `steval judge`: JUDGE_CLI_OPTS(jc) expands to their rows of an option
 * table; judge_cli_finish() checks them and fills jc.o.
 */
#ifndef STEVAL_CLI_JUDGE_OPTS_H
#define STEVAL_CLI_JUDGE_OPTS_H

#include "lib/common.h"
#include "harness/cli/opt.h"
#include "harness/run/judge.h"

struct judge_cli {
	struct judge_opts o;
	long conc;
	double rpm;
};

#define JUDGE_CLI_OPTS(jc)                                                                    \
	{ "judge", 0, OPT_STR, &(jc).o.spec, "SPEC",                                           \
	  "score with the protocol's LLM judge run by this model (any model spec, e.g. "       \
	  "openai:o4-mini); the judged score is then the official number" },                  \
	{ "judge-key-env", 0, OPT_STR, &(jc).o.key_env, "VAR", "read the judge's API key from $VAR" }, \
	{ "judge-concurrency", 0, OPT_PINT, &(jc).conc, "N",                                    \
	  "judge requests in flight (default: the judge adapter's)" },                          \
	{ "judge-rpm", 0, OPT_PDOUBLE, &(jc).rpm, "N", "at most N judge requests per minute" }

void judge_cli_init(struct judge_cli *jc);
/* Checks the values and copies them into jc->o; -1 on a bad value. */
int judge_cli_finish(struct judge_cli *jc);

#endif
