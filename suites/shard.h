/*
 * shard.h: splitting a run's item list into N shards (steval run --shard).
 *
 * The partition is a pure function of the item list (the suite's items
 * after --limit) and N:
 *
 *   1. items are grouped into clusters: every item naming the same video
 *      is in one cluster (so each video is decoded on one node); an item
 *      without a video is a cluster of its own;
 *   2. clusters are taken largest first (ties: the cluster whose first
 *      item comes first in the list);
 *   3. each goes to the shard holding the fewest items so far (ties: the
 *      lowest shard index).
 *
 * This is greedy LPT scheduling: the shards' item counts differ by at
 * most the size of the largest cluster. Within a shard, items keep the
 * list's order. The algorithm is named in the manifest (SHARD_ALGORITHM);
 * changing it changes that name.
 *
 * The list fingerprint (shard_fingerprint) is the sha256 of every item's
 * id and source record, in list order: shards of different data (or a
 * different --limit) never share it.
 */
#ifndef STEVAL_SHARD_H
#define STEVAL_SHARD_H

#include "lib/common.h"

struct item;

#define SHARD_ALGORITHM "video-clusters-lpt-v1"
#define SHARD_MAX 100000   /* the most shards a run may be split into */

struct shard {
	long index;            /* 0-based */
	long count;            /* N >= 1; 0: not sharded */
	int from_slurm;        /* --shard auto */
	char job[32];          /* --shard auto: $SLURM_ARRAY_JOB_ID, else "" */
	char task[32];         /* --shard auto: $SLURM_ARRAY_TASK_ID, else "" */
};

/* The value of an environment variable, or NULL (getenv, or a test's table). */
typedef const char *(*shard_getenv_fn)(const char *name, void *ctx);

/*
 * Parse a --shard argument: "I/N" (0 <= I < N <= SHARD_MAX) or "auto"
 * (SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT, or
 * SLURM_ARRAY_TASK_MIN/MAX and SLURM_ARRAY_TASK_STEP). get NULL: getenv.
 * Returns 0, or -1 after error() saying what is wrong.
 */
int shard_parse(const char *arg, struct shard *out, shard_getenv_fn get, void *ctx);

/*
 * Assign items[0..n) to count shards: shard_of[i] in [0, count).
 * Returns 0; -1 (error) when count is out of range.
 */
int shard_partition(const struct item *items, size_t n, long count, long *shard_of);

/* The fingerprint of items[0..n) (see above), 64 hex digits. */
void shard_fingerprint(const struct item *items, size_t n, char hex[65]);

#endif
