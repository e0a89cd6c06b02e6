/*
 * rundir_lock.h: one writer per run directory.
 *
 * Every command that writes into a run directory (run, run --resume, score
 * --out, judge, merge) holds RUN_DIR/run.lock while it writes:
 *
 *     struct rundir_lock lk;
 *     if (rundir_lock_acquire(dir, "run", &lk) < 0)
 *         return EXIT_USAGE;          (the message is already printed)
 *     ... write samples.jsonl, results.json ...
 *     rundir_lock_release(&lk);
 *
 * The lock is a small text file ("pid N\nhost H\ncommand C\nstarted T\n
 * heartbeat S\n", S in seconds since the epoch), created if needed and held
 * with flock(2) for the holder's life; a thread rewrites the heartbeat every
 * RUNDIR_LOCK_BEAT seconds. rundir_lock_acquire():
 *   - refuses (error naming the pid, host and command, returns -1) when the
 *     flock is held by a live process, or when the file names another host
 *     whose heartbeat is younger than RUNDIR_LOCK_STALE seconds (shared file
 *     systems where flock does not reach across hosts);
 *   - takes over, with a warning, a lock whose holder on this host is gone
 *     (its flock was released when it died: SIGKILL, power loss) or whose
 *     other-host heartbeat is stale;
 *   - returns 0 holding the lock.
 * rundir_lock_release() stops the heartbeat, removes the file and closes it;
 * it is safe on a lock that was never acquired (after rundir_lock_init) and
 * twice. The descriptor is close-on-exec, so workers never inherit it.
 *
 * lib/store.c takes the lock in store_create() and store_open_dir() and
 * drops it in store_close(), so every writer through struct store holds it.
 *
 * Ownership: struct rundir_lock owns its path, descriptor and thread; it is
 * held exactly while path is not NULL (a zeroed struct holds nothing).
 * Thread-safe for one lock per struct; not async-signal-safe.
 */
#ifndef STEVAL_RUNDIR_LOCK_H
#define STEVAL_RUNDIR_LOCK_H

#include "lib/common.h"

#include <pthread.h>
#include <sys/types.h>

#define RUNDIR_LOCK_NAME "run.lock"
#define RUNDIR_LOCK_BEAT 10     /* seconds between heartbeats */
#define RUNDIR_LOCK_STALE 120   /* another host's lock older than this is stale */

struct rundir_lock {
	char *path;           /* DIR/run.lock */
	int fd;               /* -1 when not held */
	char content[512];    /* what the file says while we hold it */
	size_t head_len;      /* content up to the heartbeat line */
	pthread_t beat;
	int beat_on;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stopping;
};

/* The command word written into lock files taken with command NULL
 * ("run", "score"...; default "steval"). Set once by the CLI. */
void rundir_lock_set_command(const char *command);

/* What a lock file says about its holder (for messages and tests). */
struct rundir_lock_holder {
	long pid;             /* 0 when the file says none */
	char host[256];
	char command[64];
	char started[32];
	double heartbeat;     /* seconds since the epoch, 0 when none */
};

void rundir_lock_init(struct rundir_lock *lk);
/* Take DIR's lock for COMMAND ("run", "score", "judge", "merge"). DIR must
 * exist; COMMAND may be NULL (see rundir_lock_set_command). Returns 0 holding it, -1 (error printed) when another live writer
 * holds it or the file cannot be made. */
int rundir_lock_acquire(const char *dir, const char *command, struct rundir_lock *out);
int rundir_lock_held(const struct rundir_lock *lk);
void rundir_lock_release(struct rundir_lock *lk);
/* Parse a lock file's text (0, or -1 when it names no pid). */
int rundir_lock_parse(const char *text, size_t len, struct rundir_lock_holder *h);

#endif
