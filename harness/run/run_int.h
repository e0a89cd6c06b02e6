/*
 * run_int.h: what the files of the run loop share (harness/run/ only).
 *
 *   run.c       the dispatch loop: admit, start, finish, signals, setup
 *   job.c       a job's preparation: prompt, media (frames, images, clips),
 *               the request it becomes
 *   manifest.c  manifest.json: written at the start and the end, checked
 *               and read back on --resume
 *   progress.c  the progress line on a terminal
 *
 * struct run_state is one run; struct job one item on its way through the
 * loop. Both are owned by run_execute() (run.c).
 */
#ifndef STEVAL_RUN_INT_H
#define STEVAL_RUN_INT_H

#include "lib/common.h"
#include "harness/run/run.h"
#include "harness/run/judge.h"
#include "adapters/adapter.h"
#include "lib/buf.h"
#include "harness/frames/cache.h"
#include "harness/frames/pool.h"
#include "harness/frames/frames.h"
#include "adapters/http/httpq.h"
#include "lib/log.h"
#include "adapters/media.h"
#include "adapters/http/ratelimit.h"
#include "lib/rng.h"
#include "harness/run/sample.h"
#include "suites/shard.h"
#include "lib/store.h"
#include "harness/run/summary.h"
#include "harness/run/thumbs.h"
#include "lib/util.h"
#include "lib/xalloc.h"
#include "scorers/grade.h"
#include "suites/render.h"
#include "suites/suite.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <math.h>
#include <signal.h>
#include <unistd.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#define IMAGE_TOKENS 300     /* rough per-image estimate for --tpm before usage is known */
#define MAX_WAITFDS 64

/* ---- jobs ---- */

/* a job: waiting for its frames, ready to send, in flight, waiting to retry */
enum jstate { J_FREE, J_MEDIA, J_READY, J_FLIGHT, J_WAIT };

struct job {
	enum jstate state;
	const struct item *it;
	long repeat;              /* 0-based; its request seed is the run seed + repeat */
	cJSON *gen;               /* repeat > 0 with a "seed" setting: the settings with seed + repeat */
	size_t seq;
	int attempts;
	double t_admit, t_ready, t_start, t_net, due;
	double est_tokens;
	struct buf prompt;
	char sha[65];
	struct part *parts;
	size_t nparts;
	struct media_entry **held;
	size_t nheld;
	struct http_call call;
	struct httpq_xfer x;
	char tag[48];
	char *error;
	int placeholders;
	char *video;              /* the video's path (frames) */
	struct frameset *fs;      /* its frames (a reference), or NULL */
	char *frames_json;        /* what the sample records of them */
	char *images_json;        /* the item's images sent: [{sha256, bytes, mime, source}] */
};

struct run_state {
	const struct run_opts *o;
	struct judge_stage *judge;    /* --judge: judged as the answers come (harness/run/judge.h) */
	struct judge_opts judge_o;
	struct suite s;
	const struct protocol *p;
	struct model *m;
	struct model_opts mo;
	struct store st;
	cJSON *generation;        /* merged: protocol settings + overrides */
	cJSON *resume_manifest;
	char started[32];
	long repeats;             /* each item is asked this many times (>= 1) */
	unsigned char *done;      /* per item and repeat (item * repeats + repeat): finished
				     (ok or unparsed) before this run */
	size_t *todo_idx, ntodo, next_todo;
	size_t todo, finished, ok, unparsed, errors;
	long max_errors;          /* absolute; -1 none */
	double max_errors_frac;   /* < 0 none */
	uint64_t seed;
	int blind, media;         /* media: send frames/images */
	long conc;
	long limit;
	struct httpq q;
	int q_ok;
	struct limiter lim;
	struct rng rng;
	struct media_cache mc;
	struct job *jobs;
	size_t njobs, active, inflight, seq;
	int stop;                 /* 1 interrupted, 2 fatal, 3 max-errors, 4 breaker */
	char *stop_reason;
	int usage_error;
	size_t consec_errors;
	size_t requests, retries, placeholders;
	double busy;              /* seconds requests were in flight, summed */
	double t_loop;            /* seconds the dispatch loop ran */
	long long tok_in, tok_out;
	double t0;
	int progress;
	double last_progress;
	const char *layout[8];
	size_t nlayout;
	int layout_frames;        /* the layout sends frames */
	struct frame_plan plan;
	char plan_hash[65];
	struct fcache fc;
	int fc_ok;
	struct fpool *pool;
	int want_pool;               /* some item needs frames */
	char *thumb_dir;             /* RUN_DIR/frames, or NULL */
	struct thumbs *thumbs;       /* the items' own images' thumbnails, or NULL */
	size_t frames_pending;
	size_t fsets, fdecoded, fdisk, fmemory;   /* frame sets by where they came from */
	double fseconds;          /* summed pool time */
	size_t list_n;            /* the item list: s.items[0..list_n) (after --limit) */
	char list_sha[65];        /* its fingerprint (shard.h) */
	struct shard shard;       /* count 0: not sharded */
	long *shard_of;           /* per list item: its shard (sharded runs) */
	size_t shard_items;       /* items of this shard */
};

/* manifest.c */
int run_write_manifest(struct run_state *r, const char *status);
int run_check_manifest(struct run_state *r);
int run_resolve_from_manifest(struct run_state *r, const char **suite, const char **model,
				 const char **protocol, const char **data);

/* run_shard.c: --shard (the partition itself is shard.c) */
int run_shard_setup(struct run_state *r, size_t n);
int run_shard_has(const struct run_state *r, size_t i);
void run_shard_manifest(const struct run_state *r, struct jw *w);

/* progress.c */
void run_progress(struct run_state *r, int force);
void run_progress_end(struct run_state *r);

/* job.c */
void run_job_release(struct run_state *r, struct job *j);
int run_wants_frames(const struct run_state *r, const struct item *it);
int run_prepare_begin(struct run_state *r, struct job *j);
int run_prepare_finish(struct run_state *r, struct job *j);
void run_build_request(struct run_state *r, struct job *j, struct request *rq);

#endif
