/*
 * command.c: a user program as a persistent worker.
 *
 *   command:PROGRAM [ARGS]   run through /bin/sh -c; or a models-file entry
 *                            {"adapter": "command", "command": "...",
 *                             "workers": N, "images": "path" | "base64"}
 *
 * The worker reads one JSON request per line on its stdin and writes one
 * JSON answer per line on its stdout (docs/adapters.md has the schema):
 *
 *   -> {"id": "7-1", "item": "dir-1", "attempt": 1, "system": null,
 *       "text": "...", "parts": [{"type": "image", "path": "/abs/f.jpg",
 *       "mime": "image/jpeg", "frame": 12, "pts": 0.4}, {"type": "text",
 *       "text": "..."}], "images": ["/abs/f.jpg"], "generation": {...},
 *       "seed": 0}
 *   <- {"id": "7-1", "text": "B", "finish_reason": "stop",
 *       "usage": {"input": 120, "output": 1}}
 *   <- {"id": "7-1", "error": "CUDA out of memory", "retry": true}
 *
 * Answers may come in any order (matched by id); lines that are not JSON
 * with a known id are reported (-v) and skipped, so stray prints do no
 * harm. The worker is started at the first request, in its own process
 * group (Ctrl-C reaches steval, which then closes the worker's stdin), and
 * restarted when it dies: the requests it held become retryable errors.
 * Three deaths in a row without a single answer stop the run. A request
 * older than the run's --timeout kills the worker (it is stuck). At the end
 * its stdin is closed; it gets 5 s to exit, then SIGTERM, then SIGKILL.
 * Signals go to the worker's whole process group, so the program a shell
 * started (`command:python3 w.py` runs through sh -c) goes with it.
 */
#include "lib/common.h"
#include "adapters/adapter.h"
#include "adapters/wire.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"
#include "suites/suite.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINE ((size_t)64 << 20)
#define MAX_DEATHS 3

struct worker {
	pid_t pid;
	int in_fd, out_fd;    /* our ends: its stdin, its stdout */
	struct buf outq;      /* bytes still to write */
	size_t outq_off;
	struct buf line;      /* a partial line read */
	int answered;         /* answers since it started */
	int abandoned;        /* requests were cancelled: do not wait for it at the end */
};

struct pend {
	char *tag;
	int w;
	double sent;
};

struct cstate {
	char *cmd;
	char **envp;          /* the worker's environment (minimal_env) */
	int b64;
	size_t nworkers;
	struct worker *w;
	struct pend *pend;
	size_t npend, apend;
	int deaths;           /* in a row without an answer */
	int last_status;
	size_t rr;
};

extern char **environ;

/* Names a worker inherits: a few of the session's, the models file's "env"
 * list and $STEVAL_WORKER_ENV (names or fnmatch patterns), the entry's key
 * variable. Nothing else: provider keys stay with steval. */
static int env_wanted(const char *name, size_t n, const struct model *m)
{
	static const char *const base[] = {
		"PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "USER", "LOGNAME", "SHELL", "TERM",
	};
	const cJSON *list = json_get(m->ep.json, "env"), *e;
	const char *extra = getenv("STEVAL_WORKER_ENV");
	char nm[256];
	size_t i;

	if (n >= sizeof(nm))
		return 0;
	memcpy(nm, name, n);
	nm[n] = '\0';
	for (i = 0; i < ARRAY_SIZE(base); i++)
		if (!strcmp(nm, base[i]))
			return 1;
	if (!strncmp(nm, "LC_", 3))
		return 1;
	if (m->ep.key_env && !strcmp(nm, m->ep.key_env))
		return 1;
	cJSON_ArrayForEach(e, list)
		if (cJSON_IsString(e) && fnmatch(e->valuestring, nm, 0) == 0)
			return 1;
	while (extra && *extra) {
		size_t k = strcspn(extra, ", ");
		char pat[256];
		if (k && k < sizeof(pat)) {
			memcpy(pat, extra, k);
			pat[k] = '\0';
			if (fnmatch(pat, nm, 0) == 0)
				return 1;
		}
		extra += k;
		extra += strspn(extra, ", ");
	}
	return 0;
}

static char **minimal_env(const struct model *m)
{
	char **out;
	size_t n = 0, k = 0;

	while (environ && environ[n])
		n++;
	out = xcalloc(n + 1, sizeof(*out));
	for (n = 0; environ && environ[n]; n++) {
		const char *eq = strchr(environ[n], '=');
		if (eq && env_wanted(environ[n], (size_t)(eq - environ[n]), m))
			out[k++] = xstrdup(environ[n]);
	}
	return out;
}

static int cm_open(struct model *m, const struct suite *s)
{
	struct cstate *st = xcalloc(1, sizeof(*st));
	size_t i;

	(void)s;
	m->state = st;
	st->cmd = xstrdup(m->ep.model);
	if (json_get(m->ep.json, "env") && !cJSON_IsArray(json_get(m->ep.json, "env")))
		return error("model '%s': \"env\" is a list of variable names or patterns", m->spec);
	st->envp = minimal_env(m);
	if (m->ep.images && strcmp(m->ep.images, "path") && strcmp(m->ep.images, "base64"))
		return error("model '%s': images is \"path\" or \"base64\", not '%s'", m->spec,
			     m->ep.images);
	st->b64 = m->ep.images && !strcmp(m->ep.images, "base64");
	st->nworkers = m->ep.workers > 0 ? (size_t)m->ep.workers : 1;
	st->w = xcalloc(st->nworkers, sizeof(*st->w));
	for (i = 0; i < st->nworkers; i++) {
		st->w[i].pid = -1;
		st->w[i].in_fd = st->w[i].out_fd = -1;
		buf_init(&st->w[i].outq, (size_t)1 << 31);
		buf_init(&st->w[i].line, MAX_LINE);
	}
	return 0;
}

static void close_fds(struct worker *w)
{
	if (w->in_fd >= 0)
		close(w->in_fd);
	if (w->out_fd >= 0)
		close(w->out_fd);
	w->in_fd = w->out_fd = -1;
	buf_reset(&w->outq);
	w->outq_off = 0;
	buf_reset(&w->line);
}

/* wait up to `secs` for pid; returns 1 when it exited */
static int wait_exit(pid_t pid, double secs, int *status)
{
	double end = mono_now() + secs;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid || (r < 0 && errno == ECHILD))
			return 1;
		if (mono_now() >= end)
			return 0;
		{
			struct timespec ts = { 0, 20 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
}

static void stop_worker(struct worker *w, double grace)
{
	int status = 0;

	if (w->in_fd >= 0) {
		close(w->in_fd);
		w->in_fd = -1;
	}
	if (w->pid > 0) {
		if (!wait_exit(w->pid, grace, &status)) {
			kill(-w->pid, SIGTERM);   /* the group: a shell and what it started */
			if (!wait_exit(w->pid, 1.0, &status)) {
				kill(-w->pid, SIGKILL);
				wait_exit(w->pid, 5.0, &status);
			}
		}
	}
	w->pid = -1;
	close_fds(w);
}

static void cm_close(struct model *m)
{
	struct cstate *st = m->state;
	size_t i;

	if (!st)
		return;
	for (i = 0; i < st->nworkers; i++) {
		stop_worker(&st->w[i], st->w[i].abandoned ? 0.5 : 5.0);
		buf_release(&st->w[i].outq);
		buf_release(&st->w[i].line);
	}
	for (i = 0; i < st->npend; i++)
		free(st->pend[i].tag);
	free(st->pend);
	free(st->w);
	free(st->cmd);
	for (i = 0; st->envp && st->envp[i]; i++)
		free(st->envp[i]);
	free(st->envp);
	free(st);
	m->state = NULL;
}

static int spawn(struct model *m, struct worker *w)
{
	struct cstate *st = m->state;
	int in[2], out[2];
	pid_t pid;

	if (pipe(in) < 0)
		return error("model '%s': pipe: %s", m->spec, strerror(errno));
	if (pipe(out) < 0) {
		close(in[0]);
		close(in[1]);
		return error("model '%s': pipe: %s", m->spec, strerror(errno));
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return error("model '%s': fork: %s", m->spec, strerror(errno));
	}
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execle("/bin/sh", "sh", "-c", st->cmd, (char *)NULL, st->envp);
		_exit(127);
	}
	setpgid(pid, pid);   /* as the child does: no window where a kill misses the group */
	close(in[0]);
	close(out[1]);
	fcntl(in[1], F_SETFD, FD_CLOEXEC);
	fcntl(out[0], F_SETFD, FD_CLOEXEC);
	fcntl(in[1], F_SETFL, fcntl(in[1], F_GETFL) | O_NONBLOCK);
	fcntl(out[0], F_SETFL, fcntl(out[0], F_GETFL) | O_NONBLOCK);
	w->pid = pid;
	w->in_fd = in[1];
	w->out_fd = out[0];
	w->answered = 0;
	w->abandoned = 0;
	debugf("model '%s': started worker %ld", m->spec, (long)pid);
	return 0;
}

static void part_json(const struct cstate *st, struct jw *w, const struct part *pt)
{
	jw_obj(w);
	jw_key(w, "type");
	jw_str(w, pt->kind == PART_TEXT ? "text" : pt->kind == PART_IMAGE ? "image" : "video");
	if (pt->kind == PART_TEXT) {
		jw_key(w, "text");
		jw_strn(w, pt->text, pt->len);
		jw_end(w);
		return;
	}
	jw_key(w, "mime");
	jw_str(w, pt->mime);
	if (pt->path) {
		jw_key(w, "path");
		jw_str(w, pt->path);
	}
	if (st->b64 || !pt->path) {
		jw_key(w, "data");
		wire_b64_value(w, NULL, pt);
	}
	if (pt->frame_no >= 0) {
		jw_key(w, "index");
		jw_int(w, pt->frame_no);
	}
	if (pt->frame_index >= 0) {
		jw_key(w, "frame");
		jw_int(w, pt->frame_index);
	}
	if (pt->pts >= 0) {
		jw_key(w, "pts");
		jw_num(w, pt->pts);
	}
	if (pt->kind == PART_VIDEO) {
		if (pt->t_start >= 0) {
			jw_key(w, "start");
			jw_num(w, pt->t_start);
		}
		if (pt->t_end >= 0) {
			jw_key(w, "end");
			jw_num(w, pt->t_end);
		}
	}
	jw_end(w);
}

static int cm_submit(struct model *m, const struct request *rq)
{
	struct cstate *st = m->state;
	struct worker *w;
	struct jw j;
	size_t i, best = 0, load[64] = { 0 };
	struct buf *q;

	/* the worker with the fewest requests in flight */
	for (i = 0; i < st->npend; i++)
		if ((size_t)st->pend[i].w < ARRAY_SIZE(load))
			load[st->pend[i].w]++;
	for (i = 1; i < st->nworkers && i < ARRAY_SIZE(load); i++)
		if (load[i] < load[best])
			best = i;
	w = &st->w[best];
	if (w->pid < 0 && spawn(m, w) < 0)
		return -1;
	q = &w->outq;
	jw_init(&j, q, 0);
	jw_obj(&j);
	jw_key(&j, "id");
	jw_str(&j, rq->tag);
	if (rq->it) {
		jw_key(&j, "item");
		jw_str(&j, rq->it->id);
	}
	jw_key(&j, "attempt");
	jw_int(&j, rq->attempt);
	jw_key(&j, "system");
	jw_str(&j, rq->system);
	jw_key(&j, "text");
	jw_strn(&j, rq->text, rq->text_len);
	jw_key(&j, "parts");
	jw_arr(&j);
	for (i = 0; i < rq->nparts; i++)
		part_json(st, &j, &rq->parts[i]);
	jw_end(&j);
	jw_key(&j, "images");
	jw_arr(&j);
	for (i = 0; i < rq->nparts; i++) {
		const struct part *pt = &rq->parts[i];
		char prefix[96];
		if (pt->kind != PART_IMAGE)
			continue;
		if (pt->path && !st->b64) {
			jw_str(&j, pt->path);
		} else {
			snprintf(prefix, sizeof(prefix), "data:%s;base64,", pt->mime);
			wire_b64_value(&j, prefix, pt);
		}
	}
	jw_end(&j);
	jw_key(&j, "frame_labels");
	jw_bool(&j, rq->frame_labels);
	jw_key(&j, "generation");
	jw_value(&j, rq->generation);
	jw_key(&j, "seed");
	jw_int(&j, (long long)rq->seed);
	jw_end(&j);
	buf_addch(q, '\n');
	if (q->overflow)
		return error("model '%s': the request for item '%s' is too large for the worker "
			     "queue", m->spec, rq->it ? rq->it->id : "?");
	ALLOC_GROW(st->pend, st->npend + 1, st->apend);
	st->pend[st->npend].tag = xstrdup(rq->tag);
	st->pend[st->npend].w = (int)best;
	st->pend[st->npend].sent = mono_now();
	st->npend++;
	return 0;
}

static size_t cm_waitfds(struct model *m, void *vfds, size_t max)
{
	struct cstate *st = m->state;
	struct curl_waitfd *fds = vfds;
	size_t i, n = 0;

	for (i = 0; i < st->nworkers; i++) {
		struct worker *w = &st->w[i];
		if (w->out_fd >= 0 && n < max) {
			fds[n].fd = w->out_fd;
			fds[n].events = CURL_WAIT_POLLIN;
			fds[n].revents = 0;
			n++;
		}
		if (w->in_fd >= 0 && w->outq.len > w->outq_off && n < max) {
			fds[n].fd = w->in_fd;
			fds[n].events = CURL_WAIT_POLLOUT;
			fds[n].revents = 0;
			n++;
		}
	}
	return n;
}

static void drop_pend(struct cstate *st, size_t k)
{
	free(st->pend[k].tag);
	st->pend[k] = st->pend[--st->npend];
}

/* every request the worker held becomes a verdict */
static void fail_worker(struct model *m, int wi, const char *why, enum outcome o,
			worker_done_fn done, void *ctx)
{
	struct cstate *st = m->state;
	size_t k = 0;

	while (k < st->npend) {
		if (st->pend[k].w == wi) {
			struct verdict v;
			char *tag = st->pend[k].tag;
			memset(&v, 0, sizeof(v));
			v.outcome = o;
			v.delay = -1;
			v.message = secret_scrub_dup(why);
			st->pend[k].tag = NULL;
			drop_pend(st, k);
			done(ctx, tag, NULL, &v);
			verdict_release(&v);
			free(tag);
			continue;
		}
		k++;
	}
}

static void worker_died(struct model *m, int wi, int status, worker_done_fn done, void *ctx)
{
	struct cstate *st = m->state;
	struct worker *w = &st->w[wi];
	struct buf why = BUF_INIT;
	enum outcome o = OUT_RETRY;

	if (!w->answered)
		st->deaths++;
	if (WIFEXITED(status))
		buf_addf(&why, "the worker '%s' exited with status %d", st->cmd, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		buf_addf(&why, "the worker '%s' was killed by signal %d", st->cmd, WTERMSIG(status));
	else
		buf_addf(&why, "the worker '%s' closed its output", st->cmd);
	if (!w->answered && WIFEXITED(status) &&
	    (WEXITSTATUS(status) == 127 || WEXITSTATUS(status) == 126)) {
		/* sh could not run it: no restart will help */
		buf_addf(&why, " before answering: %s (check the command line and PATH; the "
			 "worker sees only a minimal environment, docs/adapters.md)",
			 WEXITSTATUS(status) == 127 ? "command not found" : "not executable");
		o = OUT_FATAL;
	} else if (st->deaths >= MAX_DEATHS) {
		buf_addf(&why, " (%d times in a row without answering)", st->deaths);
		o = OUT_FATAL;
	} else {
		buf_adds(&why, " with the request in flight; it is restarted");
	}
	warnf("model '%s': %s", m->spec, buf_cstr(&why));
	w->pid = -1;
	close_fds(w);
	fail_worker(m, wi, buf_cstr(&why), o, done, ctx);
	buf_release(&why);
}

/* An answer that is not one: a field the protocol does not have, or no
 * string "text". */
static int bad_answer(const cJSON *j, struct buf *why)
{
	static const char *const known[] = {
		"id", "text", "finish_reason", "usage", "error", "retry", "fatal", NULL,
	};
	const cJSON *f;
	size_t i;

	cJSON_ArrayForEach(f, j) {
		for (i = 0; known[i]; i++)
			if (!strcmp(f->string, known[i]))
				break;
		if (!known[i]) {
			buf_addf(why, "worker: unknown field '%.80s' in an answer (id, text, "
				 "finish_reason, usage; or error, retry, fatal)", f->string);
			return 1;
		}
	}
	if (!cJSON_IsString(json_get(j, "text"))) {
		buf_adds(why, "worker: the answer has no string \"text\"");
		return 1;
	}
	return 0;
}

static void answer_line(struct model *m, int wi, const char *line, size_t n, worker_done_fn done,
			void *ctx)
{
	struct cstate *st = m->state;
	cJSON *j = json_parse_raw(line, n);
	const char *id = json_get_str(j, "id");
	const cJSON *err, *u;
	struct buf why = BUF_INIT;
	size_t k;

	if (!id) {
		notef("model '%s': worker output that is not an answer (skipped): %.200s", m->spec,
		      line);
		cJSON_Delete(j);
		return;
	}
	for (k = 0; k < st->npend; k++)
		if (!strcmp(st->pend[k].tag, id))
			break;
	if (k == st->npend) {
		debugf("model '%s': an answer for '%s', which is not waited for (skipped)", m->spec, id);
		cJSON_Delete(j);
		return;
	}
	{
		char *tag = st->pend[k].tag;
		st->pend[k].tag = NULL;
		drop_pend(st, k);
		st->w[wi].answered++;
		st->deaths = 0;
		err = json_get(j, "error");
		if (err && !cJSON_IsNull(err)) {
			struct verdict v;
			memset(&v, 0, sizeof(v));
			v.delay = -1;
			v.outcome = cJSON_IsTrue(json_get(j, "fatal")) ? OUT_FATAL :
				    cJSON_IsTrue(json_get(j, "retry")) ? OUT_RETRY : OUT_ITEM;
			if (cJSON_IsString(err))
				v.message = xasprintf("worker: %s", err->valuestring);
			else
				v.message = xstrdup("worker: an error");
			{
				char *s = secret_scrub_dup(v.message);
				free(v.message);
				v.message = s;
			}
			done(ctx, tag, NULL, &v);
			verdict_release(&v);
		} else if (bad_answer(j, &why)) {
			struct verdict v;
			memset(&v, 0, sizeof(v));
			v.delay = -1;
			v.outcome = OUT_ITEM;
			v.message = secret_scrub_dup(buf_cstr(&why));
			warnf("model '%s': %s", m->spec, v.message);
			done(ctx, tag, NULL, &v);
			verdict_release(&v);
		} else {
			struct answer a;
			answer_init(&a);
			a.text = xstrdup(json_get_str(j, "text"));
			if (json_get_str(j, "finish_reason"))
				a.finish_reason = xstrdup(json_get_str(j, "finish_reason"));
			u = json_get(j, "usage");
			if (cJSON_IsObject(u)) {
				a.in_tokens = wire_ll(json_get(u, "input"));
				a.out_tokens = wire_ll(json_get(u, "output"));
				a.reasoning_tokens = wire_ll(json_get(u, "reasoning"));
			}
			done(ctx, tag, &a, NULL);
			answer_release(&a);
		}
		free(tag);
	}
	buf_release(&why);
	cJSON_Delete(j);
}

static int cm_service(struct model *m, double now, worker_done_fn done, void *ctx)
{
	struct cstate *st = m->state;
	size_t i;

	for (i = 0; i < st->nworkers; i++) {
		struct worker *w = &st->w[i];
		char chunk[65536];
		int status = 0, dead = 0;

		if (w->pid < 0)
			continue;
		/* write what is queued */
		while (w->in_fd >= 0 && w->outq.len > w->outq_off) {
			ssize_t n = write(w->in_fd, buf_cstr(&w->outq) + w->outq_off,
					  w->outq.len - w->outq_off);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno != EAGAIN && errno != EWOULDBLOCK)
					dead = 1;
				break;
			}
			w->outq_off += (size_t)n;
		}
		if (w->outq_off && w->outq_off == w->outq.len) {
			buf_reset(&w->outq);
			w->outq_off = 0;
		}
		/* read answers */
		while (!dead) {
			ssize_t n = read(w->out_fd, chunk, sizeof(chunk));
			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno != EAGAIN && errno != EWOULDBLOCK)
					dead = 1;
				break;
			}
			if (n == 0) {
				dead = 1;
				break;
			}
			{
				const char *p = chunk, *end = chunk + n;
				while (p < end) {
					const char *nl = memchr(p, '\n', (size_t)(end - p));
					if (!nl) {
						buf_add(&w->line, p, (size_t)(end - p));
						break;
					}
					buf_add(&w->line, p, (size_t)(nl - p));
					if (w->line.overflow) {
						warnf("model '%s': a worker line longer than %zu bytes (skipped)",
						      m->spec, MAX_LINE);
					} else if (w->line.len) {
						answer_line(m, (int)i, buf_cstr(&w->line), w->line.len, done,
							    ctx);
					}
					buf_reset(&w->line);
					p = nl + 1;
				}
			}
		}
		if (dead) {
			/* reap (the output closed, so it is exiting) */
			if (!wait_exit(w->pid, 2.0, &status)) {
				kill(-w->pid, SIGKILL);
				wait_exit(w->pid, 5.0, &status);
			}
			worker_died(m, (int)i, status, done, ctx);
			continue;
		}
		if (waitpid(w->pid, &status, WNOHANG) == w->pid) {
			worker_died(m, (int)i, status, done, ctx);
			continue;
		}
	}
	/* stuck requests: restart their worker */
	if (m->timeout_ms > 0) {
		for (i = 0; i < st->npend; i++) {
			if ((now - st->pend[i].sent) * 1000 > (double)m->timeout_ms) {
				int wi = st->pend[i].w;
				struct worker *w = &st->w[wi];
				struct buf why = BUF_INIT;
				buf_addf(&why, "no answer from the worker '%s' within %.0f s: it is restarted",
					 st->cmd, (double)m->timeout_ms / 1000);
				warnf("model '%s': %s", m->spec, buf_cstr(&why));
				if (w->pid > 0) {
					int status;
					kill(-w->pid, SIGKILL);
					wait_exit(w->pid, 5.0, &status);
				}
				w->pid = -1;
				close_fds(w);
				fail_worker(m, wi, buf_cstr(&why), OUT_RETRY, done, ctx);
				buf_release(&why);
				i = (size_t)-1;   /* the list changed: start over */
			}
		}
	}
	return 0;
}

static void cm_cancel(struct model *m, const char *tag)
{
	struct cstate *st = m->state;
	size_t k;

	for (k = 0; k < st->npend; k++)
		if (!strcmp(st->pend[k].tag, tag)) {
			st->w[st->pend[k].w].abandoned = 1;
			drop_pend(st, k);
			return;
		}
}

static long cm_concurrency(const struct model *m)
{
	return m->ep.workers > 0 ? m->ep.workers : 1;
}

static void cm_describe(const struct model *m, struct jw *w)
{
	const struct cstate *st = m->state;

	jw_key(w, "command");
	jw_str(w, st->cmd);
	jw_key(w, "workers");
	jw_int(w, (long long)st->nworkers);
	jw_key(w, "images");
	jw_str(w, st->b64 ? "base64" : "path");
}

static int cm_takes_clip(const struct model *m)
{
	(void)m;
	return 1;
}

const struct adapter_ops adapter_command = {
	.name = "command",
	.summary = "a local program as a persistent worker (JSON lines on stdin/stdout)",
	.open = cm_open,
	.close = cm_close,
	.takes_clip = cm_takes_clip,
	.describe = cm_describe,
	.submit = cm_submit,
	.waitfds = cm_waitfds,
	.service = cm_service,
	.cancel = cm_cancel,
	.default_concurrency = cm_concurrency,
};
