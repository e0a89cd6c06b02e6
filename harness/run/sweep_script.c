/*
 * sweep_script.c: the sbatch scripts of a sweep plan, and submit.sh.
 *
 * The scripts are bash. They are the whole plan: `steval sweep --local`
 * runs the same files one after another, with the array variables Slurm
 * would set. Every value that reaches a shell word is quoted; values on
 * #SBATCH lines were checked to hold no spaces (sweep.c).
 */
#include "lib/common.h"
#include "harness/run/sweep.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <sys/stat.h>

void sweep_shell_quote(struct buf *out, const char *s)
{
	const char *p;

	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("@%+=:,./_-", *p)))
			break;
	if (*s && !*p) {
		buf_adds(out, s);
		return;
	}
	buf_addch(out, '\'');
	for (p = s; *p; p++) {
		if (*p == '\'')
			buf_adds(out, "'\\''");
		else
			buf_addch(out, *p);
	}
	buf_addch(out, '\'');
}

static void q(struct buf *b, const char *s)
{
	sweep_shell_quote(b, s);
}

/* One shell word; with ports per task, "{port}" becomes "$PORT". */
static void q_port(struct buf *b, const char *s, int per_task)
{
	const char *hit;

	if (!per_task || !strstr(s, "{port}")) {
		q(b, s);
		return;
	}
	while ((hit = strstr(s, "{port}"))) {
		char *piece = xstrndup(s, (size_t)(hit - s));
		if (*piece)
			q(b, piece);
		free(piece);
		buf_adds(b, "\"$PORT\"");
		s = hit + 6;
	}
	if (*s)
		q(b, s);
}

char *sweep_script_name(const struct sweep *sw, size_t job, enum sweep_script_kind kind)
{
	int w = sw->njobs >= 100 ? 3 : 2;

	switch (kind) {
	case SWEEP_ARRAY:
		return xasprintf("%0*zu-%s.array.sbatch", w, job + 1, sw->jobs[job].key);
	case SWEEP_MERGE:
		return xasprintf("%0*zu-%s.merge.sbatch", w, job + 1, sw->jobs[job].key);
	case SWEEP_LEADERBOARD:
		return xstrdup("leaderboard.sbatch");
	case SWEEP_SUBMIT:
		break;
	}
	return xstrdup("submit.sh");
}

static void sbatch_res(struct buf *b, const struct sweep_res *r, const struct sweep_res *dflt)
{
	const struct sweep_res *d = dflt ? dflt : r;
	size_t i;

	if (r->partition || d->partition)
		buf_addf(b, "#SBATCH --partition=%s\n", r->partition ? r->partition : d->partition);
	if (r->account || d->account)
		buf_addf(b, "#SBATCH --account=%s\n", r->account ? r->account : d->account);
	if (r->qos || d->qos)
		buf_addf(b, "#SBATCH --qos=%s\n", r->qos ? r->qos : d->qos);
	if (r->time)
		buf_addf(b, "#SBATCH --time=%s\n", r->time);
	if (r->gres)
		buf_addf(b, "#SBATCH --gres=%s\n", r->gres);
	if (r->cpus)
		buf_addf(b, "#SBATCH --cpus-per-task=%ld\n", r->cpus);
	if (r->mem)
		buf_addf(b, "#SBATCH --mem=%s\n", r->mem);
	if (r->constraint)
		buf_addf(b, "#SBATCH --constraint=%s\n", r->constraint);
	for (i = 0; i < r->nextra; i++)
		buf_addf(b, "#SBATCH %s\n", r->extra[i]);
}

static void header(struct buf *b, const struct sweep *sw, const char *what)
{
	buf_addf(b, "#!/bin/bash\n# steval sweep '%s' (%s): %s\n", sw->name, sw->path, what);
	buf_adds(b, "# Written by 'steval sweep FILE --slurm DIR'; submit.sh submits it in order.\n");
}

static void prologue(struct buf *b, const struct sweep *sw)
{
	size_t i;

	buf_adds(b, "cd ");
	q(b, sw->dir);
	buf_adds(b, " || exit 2\n");
	/* before set -u: module and activate scripts often read unset variables */
	for (i = 0; i < sw->nsetup; i++)
		buf_addf(b, "%s\n", sw->setup[i]);
	buf_adds(b, "set -u\nSTEVAL=");
	q(b, sw->steval);
	buf_addch(b, '\n');
}

/* VAR='A/B[/C]' */
static void path_var(struct buf *b, const char *var, const char *a, const char *c, const char *d)
{
	char *p = d ? xasprintf("%s/%s/%s", a, c, d) : xasprintf("%s/%s", a, c);

	buf_addf(b, "%s=", var);
	q(b, p);
	buf_addch(b, '\n');
	free(p);
}

static void array_script(const struct sweep *sw, size_t j, struct buf *b)
{
	const struct sweep_job *jb = &sw->jobs[j];
	const struct sweep_model *m = &sw->models[jb->model];
	char *what;
	size_t i;

	what = xasprintf("job %zu of %zu, suite %s, protocol %s, model %s%s%s, in %ld shards",
			 j + 1, sw->njobs, sw->suites[jb->suite].label,
			 jb->protocol ? jb->protocol : "(default)", m->label,
			 sw->variants[jb->variant].name ? ", options " : "",
			 sw->variants[jb->variant].name ? sw->variants[jb->variant].name : "",
			 jb->shards);
	header(b, sw, what);
	free(what);
	buf_adds(b, "# Task I runs shard I of N in its own directory; a requeued (or resubmitted)\n"
		    "# task finds its run there and resumes it.\n");
	buf_addf(b, "#SBATCH --job-name=steval:%s:%s\n", sw->name, jb->key);
	buf_addf(b, "#SBATCH --array=0-%ld\n", jb->shards - 1);
	buf_adds(b, "#SBATCH --requeue\n#SBATCH --open-mode=append\n");
	buf_addf(b, "#SBATCH --output=%s/logs/%s.shard-%%a.out\n", sw->out, jb->key);
	sbatch_res(b, &jb->res, NULL);
	prologue(b, sw);
	buf_addf(b, "N=%ld\n", jb->shards);
	buf_adds(b, "I=${SLURM_ARRAY_TASK_ID:?not an array task: submit with sbatch, or use "
		    "'steval sweep FILE --local'}\n");
	path_var(b, "SHARDS", sw->out, "runs", jb->key);
	buf_adds(b, "ROOT=$SHARDS/shard-$I-of-$N\n"
		    "mkdir -p \"$ROOT\" || exit 2\n"
		    "rm -f \"$ROOT/exit\"\n"
		    "printf '%s %s %s\\n' \"${SLURM_JOB_ID:-local}\" \"$(hostname)\" \"$$\" >\"$ROOT/job\"\n"
		    "SERVER=\n"
		    "stop_server() {\n"
		    "    [ -n \"$SERVER\" ] || return 0\n"
		    "    kill -TERM -- \"-$SERVER\" 2>/dev/null\n"
		    "    (sleep 30; kill -KILL -- \"-$SERVER\" 2>/dev/null) &\n"
		    "    local watchdog=$!\n"
		    "    wait \"$SERVER\" 2>/dev/null\n"
		    "    kill \"$watchdog\" 2>/dev/null\n"
		    "    SERVER=\n"
		    "}\n"
		    "finish() {\n"
		    "    local rc=$?\n"
		    "    stop_server\n"
		    "    echo \"$rc\" >\"$ROOT/exit\"\n"
		    "    exit \"$rc\"\n"
		    "}\n"
		    "trap finish EXIT\n"
		    "trap 'exit 143' TERM\n"
		    "trap 'exit 130' INT\n");
	if (m->server) {
		struct buf cmd = BUF_INIT;
		const char *p = m->server, *hit;
		/* the command's "{port}" becomes the inner shell's $PORT */
		while ((hit = strstr(p, "{port}"))) {
			buf_add(&cmd, p, (size_t)(hit - p));
			buf_adds(&cmd, "$PORT");
			p = hit + 6;
		}
		buf_adds(&cmd, p);
		buf_adds(b, "# the model's server, in its own process group (stopped at exit)\n");
		if (m->per_task)
			buf_addf(b, "export PORT=$((%ld + I))   # a port of this task's own\n", jb->port);
		else
			buf_addf(b, "export PORT=%ld\n", m->port);
		buf_adds(b, "echo \"steval sweep: starting the server (port $PORT): \"");
		q(b, buf_cstr(&cmd));
		buf_adds(b, " >&2\nsetsid bash -c ");
		q(b, buf_cstr(&cmd));
		buf_adds(b, " >>\"$ROOT/server.log\" 2>&1 </dev/null &\nSERVER=$!\n");
		buf_addf(b, "waited=0\n"
			    "until (exec 3<>\"/dev/tcp/%s/$PORT\") 2>/dev/null; do\n"
			    "    if ! kill -0 \"$SERVER\" 2>/dev/null; then\n"
			    "        echo \"steval sweep: the server ended before listening on %s:$PORT "
			    "(see $ROOT/server.log)\" >&2\n"
			    "        exit 2\n"
			    "    fi\n"
			    "    if [ \"$waited\" -ge %ld ]; then\n"
			    "        echo \"steval sweep: nothing listens on %s:$PORT after %ld s (see "
			    "$ROOT/server.log)\" >&2\n"
			    "        exit 2\n"
			    "    fi\n"
			    "    sleep 0.5\n"
			    "    waited=$((waited + 1))\n"
			    "done\n",
			 m->host, m->host, 2 * m->wait, m->host, m->wait);
		buf_release(&cmd);
	}
	if (jb->models_json) {
		buf_adds(b, "# the model by its name, at this task's port\nprintf '%s\\n' ");
		q_port(b, jb->models_json, 1);
		buf_adds(b, " >\"$ROOT/models.json\" || exit 2\n");
	}
	buf_adds(b, "RUN=$(find \"$ROOT\" -name manifest.json -print 2>/dev/null | head -n 1)\n"
		    "if [ -n \"$RUN\" ]; then\n"
		    "    RUN=${RUN%/manifest.json}\n"
		    "    echo \"steval sweep: resuming $RUN\" >&2\n"
		    "    \"$STEVAL\" run --resume \"$RUN\" --no-progress");
	for (i = 0; i < jb->nresume; i++) {
		buf_addch(b, ' ');
		q(b, jb->resume_args[i]);
	}
	buf_adds(b, "\nelse\n    \"$STEVAL\" run");
	for (i = 0; i < jb->nrun; i++) {
		buf_addch(b, ' ');
		q_port(b, jb->run_args[i], m->per_task);
	}
	if (jb->models_json)
		buf_adds(b, " --models \"$ROOT/models.json\"");
	buf_adds(b, " \\\n        --shard auto --out \"$ROOT\" --no-progress\nfi\n");
}

static void merge_script(const struct sweep *sw, size_t j, struct buf *b)
{
	const struct sweep_job *jb = &sw->jobs[j];
	char *what;

	what = xasprintf("merge the %ld shards of job %zu (%s)", jb->shards, j + 1, jb->key);
	header(b, sw, what);
	free(what);
	buf_addf(b, "#SBATCH --job-name=steval:%s:%s:merge\n", sw->name, jb->key);
	buf_addf(b, "#SBATCH --output=%s/logs/%s.merge.out\n", sw->out, jb->key);
	buf_adds(b, "#SBATCH --open-mode=append\n#SBATCH --kill-on-invalid-dep=yes\n");
	sbatch_res(b, &sw->merge_res, &sw->res);
	prologue(b, sw);
	buf_addf(b, "N=%ld\n", jb->shards);
	path_var(b, "SHARDS", sw->out, "runs", jb->key);
	path_var(b, "DEST", sw->out, "merged", jb->key);
	buf_adds(b, "mkdir -p \"${DEST%/*}\" || exit 2\n"
		    "trap 'echo $? >\"$DEST.exit\"' EXIT\n"
		    "runs=()\n"
		    "for ((i = 0; i < N; i++)); do\n"
		    "    m=$(find \"$SHARDS/shard-$i-of-$N\" -name manifest.json -print 2>/dev/null | head -n 1)\n"
		    "    if [ -n \"$m\" ]; then\n"
		    "        runs+=(\"${m%/manifest.json}\")\n"
		    "    else\n"
		    "        echo \"steval sweep: shard $i of $N has no run in $SHARDS/shard-$i-of-$N\" >&2\n"
		    "    fi\n"
		    "done\n"
		    "rm -rf \"$DEST.tmp\"\n"
		    "\"$STEVAL\" merge --out \"$DEST.tmp\" \"${runs[@]}\" || exit\n"
		    "rm -rf \"$DEST\" && mv \"$DEST.tmp\" \"$DEST\"\n");
}

static const char *format_ext(const char *f)
{
	return !strcmp(f, "latex") ? "tex" : f;
}

static void leaderboard_script(const struct sweep *sw, struct buf *b)
{
	size_t si, vi, j, f;

	header(b, sw, "the leaderboards over the merged runs, one per suite and option set");
	buf_addf(b, "#SBATCH --job-name=steval:%s:leaderboard\n", sw->name);
	buf_addf(b, "#SBATCH --output=%s/logs/leaderboard.out\n", sw->out);
	buf_adds(b, "#SBATCH --open-mode=append\n#SBATCH --kill-on-invalid-dep=yes\n");
	sbatch_res(b, &sw->merge_res, &sw->res);
	prologue(b, sw);
	path_var(b, "M", sw->out, "merged", NULL);
	path_var(b, "L", sw->out, "leaderboard", NULL);
	buf_adds(b, "mkdir -p \"$L\" || exit 2\n"
		    "trap 'echo $? >\"$L.exit\"' EXIT\n"
		    "rc=0\n");
	for (si = 0; si < sw->nsuites; si++)
		for (vi = 0; vi < sw->nvariants; vi++) {
			const char *vn = sw->variants[vi].name;
			for (f = 0; f < sw->nformats; f++) {
				buf_adds(b, "\"$STEVAL\" leaderboard");
				for (j = 0; j < sw->njobs; j++) {
					if (sw->jobs[j].suite != si || sw->jobs[j].variant != vi)
						continue;
					buf_adds(b, " \"$M\"/");
					q(b, sw->jobs[j].key);
				}
				buf_addf(b, " --format %s", sw->formats[f]);
				if (sw->lb_ci)
					buf_adds(b, " --ci");
				if (sw->lb_reference)
					buf_adds(b, " --reference");
				buf_adds(b, " -o \"$L\"/");
				{
					char *fn = xasprintf("%s%s%s.%s", sw->suites[si].label, vn ? "." : "",
							     vn ? vn : "", format_ext(sw->formats[f]));
					q(b, fn);
					free(fn);
				}
				buf_adds(b, " || rc=$?\n");
			}
		}
	buf_adds(b, "exit \"$rc\"\n");
}

static void submit_script(const struct sweep *sw, struct buf *b)
{
	size_t j;
	char *n;

	header(b, sw, "submit every job, each after the ones it needs");
	buf_addf(b, "# %zu job arrays (one per model, suite, protocol and option set), a merge\n"
		    "# after each array (afterok), one leaderboard job after every merge. Prints\n"
		    "# and appends to OUT/jobs.tsv one line per job: kind, key, job id.\n"
		    "# SBATCH=... replaces the sbatch command (e.g. to add --reservation).\n",
		 sw->njobs);
	buf_adds(b, "set -euo pipefail\n"
		    "cd \"$(dirname \"$0\")\"\n"
		    "SBATCH=${SBATCH:-sbatch}\n");
	buf_adds(b, "OUT=");
	q(b, sw->out);
	buf_adds(b, "\nmkdir -p \"$OUT/logs\"\n"
		    "submit() {\n"
		    "    local kind=$1 key=$2 id\n"
		    "    shift 2\n"
		    "    id=$($SBATCH --parsable \"$@\") || exit 1\n"
		    "    id=${id%%;*}\n"
		    "    printf '%s\\t%s\\t%s\\n' \"$kind\" \"$key\" \"$id\" | tee -a \"$OUT/jobs.tsv\" >&2\n"
		    "    echo \"$id\"\n"
		    "}\n");
	for (j = 0; j < sw->njobs; j++) {
		n = sweep_script_name(sw, j, SWEEP_ARRAY);
		buf_addf(b, "a%zu=$(submit array %s ", j + 1, sw->jobs[j].key);
		q(b, n);
		buf_adds(b, ")\n");
		free(n);
		n = sweep_script_name(sw, j, SWEEP_MERGE);
		buf_addf(b, "m%zu=$(submit merge %s --dependency=afterok:$a%zu ", j + 1, sw->jobs[j].key,
			 j + 1);
		q(b, n);
		buf_adds(b, ")\n");
		free(n);
	}
	buf_adds(b, "lb=$(submit leaderboard - --dependency=afterok");
	for (j = 0; j < sw->njobs; j++)
		buf_addf(b, ":$m%zu", j + 1);
	buf_adds(b, " leaderboard.sbatch)\n"
		    "echo \"$lb\"\n");
}

void sweep_script(const struct sweep *sw, size_t job, enum sweep_script_kind kind, struct buf *out)
{
	switch (kind) {
	case SWEEP_ARRAY:
		array_script(sw, job, out);
		break;
	case SWEEP_MERGE:
		merge_script(sw, job, out);
		break;
	case SWEEP_LEADERBOARD:
		leaderboard_script(sw, out);
		break;
	case SWEEP_SUBMIT:
		submit_script(sw, out);
		break;
	}
}

static int write_one(const struct sweep *sw, const char *dir, size_t j, enum sweep_script_kind k)
{
	struct buf b = BUF_INIT;
	char *name = sweep_script_name(sw, j, k), *p = path_join(dir, name);
	int rc;

	sweep_script(sw, j, k, &b);
	rc = write_file_atomic(p, buf_cstr(&b), b.len);
	if (rc == 0 && chmod(p, 0755) < 0)
		rc = error("cannot make '%s' executable: %s", p, strerror(errno));
	buf_release(&b);
	free(name);
	free(p);
	return rc;
}

int sweep_write_scripts(const struct sweep *sw, const char *dir)
{
	size_t j;

	if (mkdir_p(dir) < 0)
		return -1;
	for (j = 0; j < sw->njobs; j++)
		if (write_one(sw, dir, j, SWEEP_ARRAY) < 0 || write_one(sw, dir, j, SWEEP_MERGE) < 0)
			return -1;
	if (write_one(sw, dir, 0, SWEEP_LEADERBOARD) < 0 || write_one(sw, dir, 0, SWEEP_SUBMIT) < 0)
		return -1;
	return 0;
}
