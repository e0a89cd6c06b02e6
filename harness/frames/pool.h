/*
 * pool.h: a pool of worker threads that extracts frame sets ahead of the
 * run loop, for a loop that is single-threaded around curl_multi_poll().
 *
 * Protocol:
 *
 *   struct fpool *p = fpool_new(&opts);
 *   fpool_submit(p, &rq);                  // never blocks; rq.tag is yours
 *   ...
 *   struct curl_waitfd w = { fpool_fd(p), CURL_WAIT_POLLIN, 0 };
 *   curl_multi_poll(multi, &w, 1, timeout, NULL);
 *   struct fpool_result r;
 *   while (fpool_take(p, &r)) {            // non-blocking
 *           ... r.tag, r.fs (or r.error) ...
 *           fpool_result_release(&r);      // or keep r.fs and unref it later
 *   }
 *   fpool_free(p);
 *
 * Every submit produces exactly one result carrying its tag, in the order
 * jobs finish. fpool_fd() is an eventfd that is readable exactly while at
 * least one result is waiting (the invariant holds under the pool's lock),
 * so a poll on it never misses a result and never spins.
 *
 * Sharing: submits with the same (video path, canonical plan, window)
 * while one is queued or running wait for that one; a set finished recently
 * is handed out again from memory (an LRU bounded by keep_bytes) without
 * touching the disk. The disk cache (struct fcache) is consulted before
 * decoding. So 18 questions on one video decode it once and read it once.
 *
 * Ownership: a result's fs is a reference owned by the taker (release with
 * fpool_result_release() or frameset_unref()); its error string likewise.
 * The pool copies everything a request points to. The cache passed in
 * opts is borrowed and must outlive the pool. fpool_free() stops the
 * workers (queued jobs are dropped, running ones are cancelled between
 * packets) and frees results nobody took.
 *
 * Thumbnails: with thumb_dir set, a worker that obtained a set (decoded or
 * from the disk cache) writes a small JPEG of each distinct image that is
 * not there yet, as thumb_dir/IMAGE_SHA256.jpg (atomic rename; best
 * effort: a failure is a warning). report.html shows them.
 *
 * Threads: `workers` extraction threads, each decoding with `threads`
 * decoder threads. Defaults for n cores: workers = n <= 2 ? n : min(n/2, 8),
 * threads = max(2, n / workers) -- on 2 cores two workers of two threads,
 * so one video uses both cores and two videos overlap their serial parts
 * (hashing, demuxing, encoding).
 */
#ifndef STEVAL_FPOOL_H
#define STEVAL_FPOOL_H

#include "lib/common.h"
#include "harness/frames/cache.h"
#include "harness/frames/frames.h"

struct fpool_opts {
	int workers;                 /* 0: default */
	int threads;                 /* decoder threads per worker; 0: default */
	struct fcache *cache;        /* borrowed; NULL: no disk cache */
	size_t keep_bytes;           /* in-memory LRU of finished sets; 0: 256 MiB */
	enum frame_strategy strategy;
	const char *thumb_dir;       /* borrowed; non-NULL: write DIR/SHA256.jpg thumbnails */
	int thumb_side;              /* their max side; 0: 160 */
};

struct fpool_request {
	const char *video;                   /* path */
	const struct frame_plan *plan;
	const struct frame_window *window;   /* NULL: none */
	void *tag;                           /* returned with the result */
};

struct fpool_result {
	void *tag;
	struct frameset *fs;         /* NULL on error */
	char *error;                 /* why, naming the video; NULL on success */
	enum fcache_source source;   /* decoded, from disk, or from memory */
	double seconds;              /* from submit to completion */
};

struct fpool;

struct fpool *fpool_new(const struct fpool_opts *o);
void fpool_free(struct fpool *p);
/* 0, or -1 when the pool is shutting down (reported with error()). */
int fpool_submit(struct fpool *p, const struct fpool_request *rq);
int fpool_fd(const struct fpool *p);
/* 1 and *out filled when a result was waiting, else 0. */
int fpool_take(struct fpool *p, struct fpool_result *out);
/* Wait up to timeout_ms (-1: forever) for a result: 1 ready, 0 timeout. */
int fpool_wait(struct fpool *p, int timeout_ms);
/* Submitted and not yet taken. */
size_t fpool_pending(struct fpool *p);
void fpool_result_release(struct fpool_result *r);

/* The defaults above for this machine. */
void fpool_default_threads(int *workers, int *threads);

#endif
