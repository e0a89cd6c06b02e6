/*
 * sweep.h: sweep files (models x suites x protocols x option sets), the plan
 * they make, the Slurm scripts that carry it out, and its status on disk.
 *
 * A sweep file is JSON (docs/cluster.md). sweep_parse() checks its shape
 * and every field, naming the file and the field on error; sweep_check()
 * then opens each suite (its protocols must exist; an unnamed protocol
 * becomes the suite's default) and each models file; sweep_plan() lists the
 * jobs: one per (model, suite, protocol, option set), each run as a Slurm
 * job array of `shards` tasks, merged, then one leaderboard per suite.
 *
 * On disk, under the sweep's "out" directory:
 *   runs/KEY/shard-I-of-N/   the --out root of shard I (one run inside);
 *                            job: "JOBID HOST PID" of the task; exit: its code
 *   merged/KEY/              the merged run; merged/KEY.exit: merge's code
 *   leaderboard/SUITE[.OPTIONS].FMT, leaderboard.exit
 *   logs/                    the Slurm output files
 *
 * A model whose spec or server command holds "{port}" gets a port per task:
 * the server's "port" plus the task's place among all tasks of the sweep, so
 * tasks sharing a node never collide and a requeued task keeps its port. Such
 * a spec (ADAPTER@URL:MODEL, "{port}" in the URL) becomes a models-file entry
 * named by the model's label, written by each task, so the shards' manifests
 * name one model and merge.
 *
 * Ownership: struct sweep owns every string and array in it; the jobs'
 * resource pointers borrow from it. sweep_release() frees all.
 */
#ifndef STEVAL_SWEEP_H
#define STEVAL_SWEEP_H

#include "lib/common.h"
#include <cjson/cJSON.h>

struct buf;

/* Slurm resources; NULL or 0: not set. */
struct sweep_res {
	char *partition, *account, *qos, *time, *gres, *mem, *constraint;
	long cpus;                  /* --cpus-per-task */
	char **extra;               /* more sbatch options, each "--name=value" */
	size_t nextra;
};

struct sweep_model {
	char *label;                /* names its runs: [A-Za-z0-9._-] */
	char *model;                /* --model: a spec or a models-file name */
	char *models_file;          /* absolute, or NULL */
	char *server;               /* a shell command starting a local server, or NULL */
	char *host;                 /* where the server listens (default 127.0.0.1) */
	long port;                  /* 1..65535 when server is set */
	int per_task;               /* "{port}" in model or server: each task its own port */
	long wait;                  /* seconds to wait for the port (default 900) */
	cJSON *options;             /* run options (object) or NULL */
	struct sweep_res res;       /* overrides of the array jobs' resources */
	long shards;                /* 0: the sweep's */
};

struct sweep_suite {
	char *label;
	char *suite;                /* a name, or an absolute path to a spec */
	char *data;                 /* absolute, or NULL */
	char **protocols;           /* NULL entries: the suite's default, until sweep_check */
	size_t nprotocols;
	int inherited;              /* the protocols are the sweep's "protocols" */
	cJSON *options;
};

struct sweep_variant {
	char *name;                 /* NULL: the one unnamed option set */
	cJSON *options;
};

struct sweep_job {
	size_t model, suite, variant;
	const char *protocol;       /* borrowed from the suite; NULL: the suite's default */
	char *key;                  /* SUITE.PROTOCOL.MODEL[.OPTIONS] */
	long shards;
	long port;                  /* per_task: task I's port is port + I, distinct over the sweep */
	char *models_json;          /* per_task with "{port}" in the spec: the models file each
				     * task writes (its "{port}" replaced), naming the model by
				     * its label so every shard runs the same model; or NULL */
	struct sweep_res res;       /* resolved: strings borrowed */
	char **run_args;            /* after "steval run": suite, --model..., options */
	size_t nrun;
	char **resume_args;         /* after "steval run --resume DIR" */
	size_t nresume;
};

struct sweep {
	char *path;                 /* the file, as given */
	char *dir;                  /* its directory, absolute: relative paths start here */
	char *name;
	char *out;                  /* absolute */
	char *steval;               /* the program the scripts call */
	char *models_file;          /* the default models file, absolute, or NULL */
	char **setup;               /* shell lines run first in every job */
	size_t nsetup;
	struct sweep_model *models;
	size_t nmodels;
	struct sweep_suite *suites;
	size_t nsuites;
	struct sweep_variant *variants;
	size_t nvariants;
	struct sweep_res res;       /* array jobs */
	struct sweep_res merge_res; /* merge and leaderboard jobs */
	long shards;                /* default 1 */
	char **formats;             /* leaderboard formats (default md) */
	size_t nformats;
	int lb_ci, lb_reference;
	struct sweep_job *jobs;
	size_t njobs;
};

/*
 * Parse and check the shape of a sweep file's text. path names the file in
 * errors ("FILE: models[1].server.port: ..."); its directory, made absolute
 * against the current one, anchors relative paths. steval is the program
 * the scripts call unless the file names one. Returns 0 or -1 (error
 * reported); on -1 the sweep is released.
 */
int sweep_parse(struct sweep *sw, const char *path, const char *text, size_t len,
		const char *steval);
/* Read path and sweep_parse() it. */
int sweep_load(struct sweep *sw, const char *path, const char *steval);
/* Open every suite and models file the sweep names: protocols must exist,
 * unnamed ones become the suite's default; a model without ':' must be an
 * entry of its models file. */
int sweep_check(struct sweep *sw);
/* Build sw->jobs (after parse, and check when wanted). Two jobs with one
 * key are an error. */
int sweep_plan(struct sweep *sw);
void sweep_release(struct sweep *sw);

/* ---- scripts (sweep_script.c) ---- */

/* The scripts of a plan, in submission order. */
enum sweep_script_kind { SWEEP_ARRAY, SWEEP_MERGE, SWEEP_LEADERBOARD, SWEEP_SUBMIT };

/* The file name of a job's script ("01-KEY.array.sbatch"); job is ignored
 * for the leaderboard and submit scripts. Caller frees. */
char *sweep_script_name(const struct sweep *sw, size_t job, enum sweep_script_kind kind);
/* Append the text of one script to out. */
void sweep_script(const struct sweep *sw, size_t job, enum sweep_script_kind kind,
		  struct buf *out);
/* Write every script into dir (created): the arrays, merges, leaderboard
 * and submit.sh, executable. */
int sweep_write_scripts(const struct sweep *sw, const char *dir);
/* Append s quoted for the shell ('...'). */
void sweep_shell_quote(struct buf *out, const char *s);

/* ---- status (sweep_status.c) ---- */

enum sweep_state { SWEEP_DONE, SWEEP_RUNNING, SWEEP_FAILED, SWEEP_MISSING };
const char *sweep_state_name(enum sweep_state st);

struct sweep_shard_status {
	enum sweep_state state;
	char *run;                  /* the run directory, or NULL */
	char *detail;               /* "incomplete, exit 3", or NULL */
};

struct sweep_job_status {
	enum sweep_state state;
	size_t done;                /* shards done */
	struct sweep_shard_status *shards;
	char *detail;
};

/*
 * The state of one shard from what its directory holds: manifest_status is
 * the manifest's "status" (NULL: no manifest), exit_code the code the task
 * recorded (-1: none), alive whether the task that owns it is known to run
 * (1), known to be gone (0), or unknown (-1: another host). Pure.
 */
enum sweep_state sweep_shard_state(const char *manifest_status, int exit_code, int has_job,
				   int alive);
/* Look at the sweep's directories; caller frees with sweep_status_free(). */
struct sweep_job_status *sweep_status(const struct sweep *sw);
void sweep_status_free(const struct sweep *sw, struct sweep_job_status *st);
/* The leaderboard's state: done when every file is there. */
enum sweep_state sweep_leaderboard_state(const struct sweep *sw);
/* The shard root of job j, shard i (caller frees). */
char *sweep_shard_root(const struct sweep *sw, size_t j, long i);

#endif
