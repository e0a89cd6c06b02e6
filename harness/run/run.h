/*
 * run.h: the run loop — items to prompts to answers to graded samples.
 *
 * run_execute() loads the suite, resolves the model, creates (or, with
 * resume_dir, reopens and checks) the run directory, writes manifest.json,
 * then dispatches every item still to do (docs/dispatch.md):
 *
 *   admit   a window of items ahead of the requests in flight: render the
 *           prompt, gather media (frames, extra images, or the clip),
 *           estimate the tokens
 *   start   when a slot is free (--concurrency) and the rate limiter
 *           allows (--rpm, --tpm, a 429's pause): build the request and
 *           hand it to the HTTP queue, the worker, or answer at once
 *   finish  parse the reply; retry transient failures with the server's
 *           delay or a seeded exponential backoff; grade the answer and
 *           append the sample to samples.jsonl at once
 *
 * One thread, one poll loop (libcurl multi + a self-pipe for SIGINT and
 * SIGTERM + the worker's pipes). results.json and report.md are written at
 * the end from what is on disk, also after an interruption.
 *
 * Exit status (returned): EXIT_OK; EXIT_USAGE (bad input: nothing run);
 * EXIT_INCOMPLETE (interrupted, stopped by a fatal error or --max-errors,
 * or items left in error: what finished is kept, --resume continues).
 */
#ifndef STEVAL_RUN_H
#define STEVAL_RUN_H

#include "lib/common.h"
#include "lib/json.h"

struct judge_opts;

struct run_opts {
	const char *suite;         /* NULL with resume_dir: from the manifest */
	const char *model;         /* idem */
	const char *data;
	const char *protocol;
	const char *out_root;      /* default "runs" */
	const char *resume_dir;    /* continue this run */
	long limit;                /* 0: all items; -1: unset (resume: the run's) */
	const char *shard;         /* "I/N" or "auto" (NULL: all; resume: the run's) */
	long seed;
	int seed_set;
	long repeats;              /* times each item is asked; 0: the protocol's "repeats"
				      (default 1), on resume the run's */
	int blind;                 /* send no frames or images */
	int allow_outside_data;    /* media may resolve outside the data directory */
	long concurrency;          /* 0: the adapter's default */
	const char *max_errors;    /* "N" or "P%" */
	cJSON *generation;         /* overrides of the protocol's settings (owned by caller) */
	cJSON *body;               /* extra request body fields (owned by caller) */
	const char *models_file;
	const char *key_env;
	int stream;                /* -1 default */
	double rpm, tpm;           /* < 0: models file / unlimited */
	double timeout;            /* seconds per attempt, whole transfer */
	double connect_timeout;
	double idle_timeout;       /* streamed responses */
	long retries;              /* retries after the first attempt */
	double max_retry_wait;     /* a server delay above this is not waited for */
	double max_response;       /* response body cap in bytes */
	int progress;              /* -1 auto (a TTY), 0 off, 1 on */
	const char *cache_dir;     /* frame cache (NULL: the default) */
	int no_cache;              /* neither read nor write the frame cache */
	long frame_workers;        /* frame extraction threads (0: default) */
	int no_thumbnails;         /* no RUN_DIR/frames/ thumbnails for report.html */
	const struct judge_opts *judge;   /* judge the answers at the end (harness/run/judge.h), or NULL */
	int argc;
	char **argv;
};

void run_opts_init(struct run_opts *o);
int run_execute(const struct run_opts *o);

#endif
