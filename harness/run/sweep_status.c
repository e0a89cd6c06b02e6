/*
 * sweep_status.c: what a sweep has done, from its directories (sweep.h).
 */
#include "lib/common.h"
#include "harness/run/sweep.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

const char *sweep_state_name(enum sweep_state st)
{
	switch (st) {
	case SWEEP_DONE:
		return "done";
	case SWEEP_RUNNING:
		return "running";
	case SWEEP_FAILED:
		return "failed";
	case SWEEP_MISSING:
		break;
	}
	return "missing";
}

enum sweep_state sweep_shard_state(const char *manifest_status, int exit_code, int has_job,
				   int alive)
{
	if (manifest_status && (!strcmp(manifest_status, "finished") ||
				!strcmp(manifest_status, "finished-with-errors")))
		return SWEEP_DONE;
	if (exit_code >= 0)
		return SWEEP_FAILED;       /* the last attempt ended, the run did not finish */
	if (has_job)
		return alive == 0 ? SWEEP_FAILED : SWEEP_RUNNING;
	if (manifest_status)
		return !strcmp(manifest_status, "running") ? SWEEP_RUNNING : SWEEP_FAILED;
	return SWEEP_MISSING;
}

char *sweep_shard_root(const struct sweep *sw, size_t j, long i)
{
	return xasprintf("%s/runs/%s/shard-%ld-of-%ld", sw->out, sw->jobs[j].key, i,
			 sw->jobs[j].shards);
}

/* The first directory under root (depth <= 4) holding manifest.json. */
static char *find_run(const char *root, int depth)
{
	DIR *d;
	struct dirent *e;
	char *found = NULL, *p = path_join(root, "manifest.json");

	if (file_exists(p)) {
		free(p);
		return xstrdup(root);
	}
	free(p);
	if (depth >= 4 || !(d = opendir(root)))
		return NULL;
	while (!found && (e = readdir(d))) {
		char *sub;
		if (e->d_name[0] == '.')
			continue;
		sub = path_join(root, e->d_name);
		if (dir_exists(sub))
			found = find_run(sub, depth + 1);
		free(sub);
	}
	closedir(d);
	return found;
}

/* A small text file's first line, or NULL. */
static char *first_line_of(const char *path)
{
	struct buf b = BUF_INIT_MAX(4096);
	char *nl;

	if (!file_exists(path) || read_file(path, &b) < 0) {
		buf_release(&b);
		return NULL;
	}
	nl = strchr(buf_cstr(&b), '\n');
	if (nl)
		buf_truncate(&b, (size_t)(nl - b.data));
	return buf_detach(&b, NULL);
}

static int exit_code_of(const char *path)
{
	char *s = first_line_of(path);
	long v;
	int rc = -1;

	if (s && parse_long(s, &v) == 0 && v >= 0 && v < 256)
		rc = (int)v;
	free(s);
	return rc;
}

static void shard_status(const struct sweep *sw, size_t j, long i, struct sweep_shard_status *st)
{
	char *root = sweep_shard_root(sw, j, i), *p, *jobline, *mstatus = NULL;
	char jobid[64] = "", host[256] = "", me[256] = "";
	long pid = 0;
	int code, alive = -1;
	struct buf d = BUF_INIT;

	st->run = dir_exists(root) ? find_run(root, 0) : NULL;
	if (st->run) {
		cJSON *mf;
		p = path_join(st->run, "manifest.json");
		mf = json_parse_file(p, (size_t)64 << 20);
		free(p);
		if (mf && json_get_str(mf, "status"))
			mstatus = xstrdup(json_get_str(mf, "status"));
		else
			mstatus = xstrdup("unreadable");
		cJSON_Delete(mf);
	}
	p = path_join(root, "exit");
	code = exit_code_of(p);
	free(p);
	p = path_join(root, "job");
	jobline = first_line_of(p);
	free(p);
	if (jobline && sscanf(jobline, "%63s %255s %ld", jobid, host, &pid) == 3 && pid > 0) {
		if (gethostname(me, sizeof(me) - 1) == 0 && !strcmp(me, host))
			alive = kill((pid_t)pid, 0) == 0 || errno == EPERM;
	}
	st->state = sweep_shard_state(mstatus, code, jobline != NULL, alive);
	switch (st->state) {
	case SWEEP_FAILED:
		if (code >= 0)
			buf_addf(&d, "exit %d", code);
		else if (jobline)
			buf_addf(&d, "job %s on %s is gone", jobid, host);
		if (mstatus)
			buf_addf(&d, "%srun %s", d.len ? ", " : "", mstatus);
		break;
	case SWEEP_RUNNING:
		if (jobline)
			buf_addf(&d, "job %s on %s", jobid, host);
		break;
	case SWEEP_DONE:
		if (strcmp(mstatus, "finished"))
			buf_adds(&d, mstatus);
		break;
	case SWEEP_MISSING:
		break;
	}
	st->detail = d.len ? buf_detach(&d, NULL) : NULL;
	buf_release(&d);
	free(mstatus);
	free(jobline);
	free(root);
}

struct sweep_job_status *sweep_status(const struct sweep *sw)
{
	struct sweep_job_status *all = xcalloc(sw->njobs ? sw->njobs : 1, sizeof(*all));
	size_t j;
	long i;

	for (j = 0; j < sw->njobs; j++) {
		struct sweep_job_status *js = &all[j];
		const struct sweep_job *jb = &sw->jobs[j];
		char *merged = xasprintf("%s/merged/%s/results.json", sw->out, jb->key);
		char *mexit = xasprintf("%s/merged/%s.exit", sw->out, jb->key);
		size_t failed = 0, running = 0;
		struct buf d = BUF_INIT;
		int mcode;

		js->shards = xcalloc((size_t)jb->shards, sizeof(*js->shards));
		for (i = 0; i < jb->shards; i++) {
			shard_status(sw, j, i, &js->shards[i]);
			js->done += js->shards[i].state == SWEEP_DONE;
			failed += js->shards[i].state == SWEEP_FAILED;
			running += js->shards[i].state == SWEEP_RUNNING;
		}
		mcode = exit_code_of(mexit);
		if (file_exists(merged)) {
			js->state = SWEEP_DONE;
		} else if (failed) {
			js->state = SWEEP_FAILED;
			for (i = 0; i < jb->shards; i++)
				if (js->shards[i].state == SWEEP_FAILED)
					buf_addf(&d, "%sshard %ld: %s", d.len ? "; " : "", i,
						 js->shards[i].detail ? js->shards[i].detail : "failed");
		} else if (running) {
			js->state = SWEEP_RUNNING;
		} else if (mcode > 0 && js->done == (size_t)jb->shards) {
			js->state = SWEEP_FAILED;
			buf_addf(&d, "merge: exit %d (see logs/%s.merge.out)", mcode, jb->key);
		} else {
			js->state = SWEEP_MISSING;
			if (js->done == (size_t)jb->shards)
				buf_adds(&d, "every shard done, not merged");
			else
				for (i = 0; i < jb->shards; i++)
					if (js->shards[i].state == SWEEP_MISSING)
						buf_addf(&d, "%s%ld", d.len ? "," : "shards missing: ", i);
		}
		js->detail = d.len ? buf_detach(&d, NULL) : NULL;
		buf_release(&d);
		free(merged);
		free(mexit);
	}
	return all;
}

void sweep_status_free(const struct sweep *sw, struct sweep_job_status *st)
{
	size_t j;
	long i;

	if (!st)
		return;
	for (j = 0; j < sw->njobs; j++) {
		for (i = 0; st[j].shards && i < sw->jobs[j].shards; i++) {
			free(st[j].shards[i].run);
			free(st[j].shards[i].detail);
		}
		free(st[j].shards);
		free(st[j].detail);
	}
	free(st);
}

enum sweep_state sweep_leaderboard_state(const struct sweep *sw)
{
	char *p = xasprintf("%s/leaderboard.exit", sw->out);
	int code = exit_code_of(p);
	size_t si, vi, f;
	int all = 1;

	free(p);
	for (si = 0; si < sw->nsuites; si++)
		for (vi = 0; vi < sw->nvariants; vi++)
			for (f = 0; f < sw->nformats; f++) {
				const char *vn = sw->variants[vi].name, *fm = sw->formats[f];
				p = xasprintf("%s/leaderboard/%s%s%s.%s", sw->out, sw->suites[si].label,
					      vn ? "." : "", vn ? vn : "",
					      !strcmp(fm, "latex") ? "tex" : fm);
				all &= file_exists(p);
				free(p);
			}
	if (code > 0)
		return SWEEP_FAILED;
	return all && code == 0 ? SWEEP_DONE : SWEEP_MISSING;
}
