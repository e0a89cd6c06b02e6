/*
 * run.h: the run loop — items to prompts to answers to graded samples.
 *
 * run_execute() loads the suite, resolves the model, creates (or, with
 * resume_dir, reopens) the run directory, writes manifest.json, then for
 * every item still to do renders the prompt, gathers its media when the
 * model needs it, asks the model, grades the answer and appends the sample
 * to samples.jsonl as soon as it is finished. At the end it writes
 * results.json and report.md (harness/summary.h).
 *
 * Exit status (returned): EXIT_OK, EXIT_USAGE (bad input: nothing run),
 * EXIT_INCOMPLETE (too many errors, or interrupted: what finished is kept).
 */
#ifndef STEVAL_RUN_H
#define STEVAL_RUN_H

#include "harness/common.h"
#include "harness/json.h"

struct run_opts {
	const char *suite;
	const char *model;
	const char *data;
	const char *protocol;
	const char *out_root;      /* default "runs" */
	const char *resume_dir;    /* continue this run */
	long limit;                /* 0: all items */
	long seed;
	int blind;                 /* send no frames or images */
	long concurrency;
	const char *max_errors;    /* "N" or "P%" */
	cJSON *generation;         /* overrides of the protocol's settings (owned by caller) */
	int argc;
	char **argv;
};

int run_execute(const struct run_opts *o);

#endif
