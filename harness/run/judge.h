/*
 * judge.h: the judge stage. Reads DIR/samples.jsonl, sends every answer
 * that has no verdict of this judge yet to the judge model (through the
 * HTTP queue, the rate limiter, retries and backoff the run loop uses, or
 * a command worker), and appends each judged sample to DIR/samples.jsonl
 * as it finishes (the last line of an id counts), so a kill loses nothing
 * and a second call continues. Verdicts come from the verdict cache
 * (CACHE_DIR/judge/) when the same judge model was sent the same request
 * before: then no request is made.
 *
 * A sample's verdict is kept when its cache key is this request's (the same
 * judge model, prompt and settings); any other is judged again.
 *
 * Used by `steval run --judge`, `steval score --judge` and `steval judge`
 * (docs/scoring.md §7).
 *
 * Ownership: struct judge_opts borrows everything.
 */
#ifndef STEVAL_RUN_JUDGE_H
#define STEVAL_RUN_JUDGE_H

#include "lib/common.h"

struct suite;
struct protocol;

struct judge_opts {
	const char *spec;          /* --judge SPEC */
	const char *key_env;       /* --judge-key-env */
	const char *models_file;   /* --models (NULL: $STEVAL_MODELS) */
	long concurrency;          /* --judge-concurrency (0: the adapter's default) */
	double rpm;                /* --judge-rpm (< 0: models file / none) */
	const char *cache_dir;     /* NULL: the default cache directory */
	int no_cache;              /* neither read nor write verdicts */
	long retries;              /* retries after the first attempt (default 4) */
	double timeout, connect_timeout, max_retry_wait;   /* seconds */
	uint64_t seed;             /* backoff jitter */
	int progress;              /* -1 on a terminal, 0 off, 1 on */
};

void judge_opts_init(struct judge_opts *o);

struct judge_counts {
	size_t todo, judged, from_cache, unparsed, errors, skipped;
	long requests, retried;
};

/*
 * Judge the samples in dir. Returns EXIT_OK, EXIT_USAGE (a protocol
 * without a judge, a bad judge spec) or EXIT_INCOMPLETE (interrupted, a
 * fatal judge error, or judge errors left: rerun to retry them). Writes
 * DIR/judge.json (the judge, its settings and counts) and copies it into
 * DIR/manifest.json's "judge" when there is a manifest. Does not rewrite results.json: the caller
 * summarises.
 */
int judge_stage(const char *dir, const struct suite *s, const struct protocol *p,
		const struct judge_opts *o, struct judge_counts *out);

/*
 * The same stage inside a run (`steval run --judge`): begin before the
 * run's HTTP queue is made (its max_inflight must add the judge's
 * concurrency), share the queue, add each sample line as the run writes
 * it, and from the run's poll loop dispatch, hand finished transfers
 * (judge_stage_take returns 1 for the judge's), wait on the worker's
 * descriptors and service them. judge_stage_end(finish = 1) judges what
 * is left in its own loop and returns judge_stage()'s exit status;
 * finish = 0 abandons what is left (an interrupted run). end frees js.
 */
struct judge_stage;
struct httpq;
struct httpq_xfer;
int judge_stage_begin(struct judge_stage **out, const char *dir, const struct suite *s,
		      const struct protocol *p, const struct judge_opts *o);
long judge_stage_concurrency(const struct judge_stage *js);
void judge_stage_use_queue(struct judge_stage *js, struct httpq *q);
void judge_stage_add(struct judge_stage *js, const char *line, size_t len);
/* Starts what may start; seconds until something else may. */
double judge_stage_dispatch(struct judge_stage *js);
int judge_stage_take(struct judge_stage *js, struct httpq_xfer *x);
unsigned judge_stage_waitfds(struct judge_stage *js, void *fds, unsigned max);   /* struct curl_waitfd */
void judge_stage_service(struct judge_stage *js);
int judge_stage_end(struct judge_stage *js, int finish, struct judge_counts *out);

/* Copy DIR/judge.json into DIR/manifest.json's "judge" (after the run
 * rewrote its manifest); nothing when either is missing. */
int judge_manifest_merge(const char *dir);

/* Judge entries in the cache directory (steval cache stats). */
struct judge_cache_stats {
	long entries;
	long long bytes;
};
int judge_cache_stats(const char *cache_dir, struct judge_cache_stats *st);
/* Remove every judge entry; *removed counts them. */
int judge_cache_clear(const char *cache_dir, long *removed);

#endif
