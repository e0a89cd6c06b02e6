/*
 * cache.h: the content-addressed frame cache on disk.
 *
 * Where: --cache-dir DIR, else $STEVAL_CACHE_DIR, else $XDG_CACHE_HOME/steval,
 * else ~/.cache/steval. Frame sets live under DIR/frames-v1/:
 *
 *   ids/DEV-INO-SIZE-MTIME           the sha256 of that file's bytes (a memo,
 *                                    so a big file is hashed once)
 *   sets/KK/KEY/index.json           plan, window, video metadata, stats and
 *                                    per frame: index, pts, sha256, pixels
 *   sets/KK/KEY/frame_NNN.jpg|png    each distinct image once
 *
 * KEY = sha256("steval-frames/1\n" VIDEO_SHA256 "\n" CANONICAL_PLAN "\n" WINDOW)
 * where WINDOW is "none" or "[t_start, t_end]" (Python repr of the floats)
 * when the plan honours windows and the item has one. KK = KEY[0..2).
 *
 * Writers build an entry in a private temporary directory and rename() it
 * into place: readers see a whole entry or none, and when two processes
 * race, one rename wins and the other's copy is dropped. Entries are
 * verified on load (every image's sha256 against the index); a damaged
 * entry is removed and counts as a miss. The cache is best effort: a
 * failure to store is a warning, never an error of the run.
 *
 * Thread-safe: one struct fcache may be used by many threads at once.
 * Ownership: struct fcache owns its strings; fcache_release() frees them.
 */
#ifndef STEVAL_FCACHE_H
#define STEVAL_FCACHE_H

#include "lib/common.h"
#include "harness/frames/frames.h"

#include <pthread.h>

struct buf;

struct fcache_memo {
	char *stat_key;         /* DEV-INO-SIZE-MTIME */
	char sha256[65];
};

struct fcache {
	char *dir;              /* the steval cache root; NULL: caching disabled */
	char *root;             /* dir/frames-v1 */
	pthread_mutex_t lock;
	struct fcache_memo *memo;
	size_t nmemo, amemo;
};

/* The directory the rules above give (caller frees); NULL when there is
 * no HOME either. */
char *fcache_default_dir(void);
/* dir NULL: the default. disabled: no disk cache (ids are still memoised
 * in memory). Creates nothing until something is stored. */
void fcache_init(struct fcache *c, const char *dir, int disabled);
void fcache_release(struct fcache *c);

/* sha256 of a file's bytes, memoised by device, inode, size and mtime. */
int fcache_video_id_e(struct fcache *c, const char *path, char hex[65], struct buf *err);
/* The key of a (video, plan, window). */
void fcache_key(const char *video_sha256, const struct frame_plan *p,
		const struct frame_window *w, char hex[65]);

/* 1 hit (*out a new set), 0 miss, -1 error (message in err). */
int fcache_load_e(struct fcache *c, const char *key, struct frameset **out, struct buf *err);
/* Store a set under key; 0 stored or already there, -1 with err. */
int fcache_store_e(struct fcache *c, const char *key, const struct frameset *fs, struct buf *err);

enum fcache_source { FCACHE_DECODED, FCACHE_DISK, FCACHE_MEMORY };

/*
 * The whole path: content id, load, or extract and store. *source tells
 * where the set came from. The set carries the video's sha256.
 */
int fcache_get_e(struct fcache *c, const char *path, const struct frame_plan *p,
		 const struct frame_window *w, const struct frame_opts *o,
		 struct frameset **out, enum fcache_source *source, struct buf *err);
int fcache_get(struct fcache *c, const char *path, const struct frame_plan *p,
	       const struct frame_window *w, const struct frame_opts *o,
	       struct frameset **out, enum fcache_source *source);

struct fcache_stats {
	long sets, images, ids, partial;   /* partial: leftover temporary entries */
	long long bytes;
};

int fcache_stats(struct fcache *c, struct fcache_stats *s);
/* Remove every frame set and id memo (DIR/frames-v1); *removed = sets removed. */
int fcache_clear(struct fcache *c, long *removed);

#endif
