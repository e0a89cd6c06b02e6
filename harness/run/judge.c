/*
 * judge.c: the judge stage (harness/run/judge.h). One thread, one poll
 * loop, as the run loop: jobs wait for a slot and the rate limiter, go
 * through the HTTP queue (or a command worker), and come back as a reply,
 * a retry (the run loop's rules, adapters/retry.h: the server's delay,
 * else the SDKs' backoff; a 429 pauses the whole judge endpoint), a failed
 * item (judge_error) or a stop. A reply
 * is cached and read with the protocol's judge parser; the sample is
 * rewritten (scorers/judge.h judge_apply) and appended at once.
 */
#include "lib/common.h"
#include "harness/run/judge.h"
#include "adapters/retry.h"
#include "adapters/adapter.h"
#include "adapters/http/httpq.h"
#include "adapters/http/ratelimit.h"
#include "harness/frames/cache.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/rng.h"
#include "lib/store.h"
#include "lib/util.h"
#include "lib/xalloc.h"
#include "scorers/judge.h"
#include "suites/suite.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#define JUDGE_SUBDIR "judge"
#define MAX_WAITFDS 64

void judge_opts_init(struct judge_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->rpm = -1;
	o->retries = 4;
	o->timeout = 600;
	o->connect_timeout = 30;
	o->max_retry_wait = 120;
	o->progress = -1;
}

/* ---- signals ---- */

static volatile sig_atomic_t j_interrupted;
static int j_pipe[2] = { -1, -1 };

static void j_on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	j_interrupted = 1;
	if (j_pipe[1] >= 0 && write(j_pipe[1], &c, 1) < 0) {
		/* the flag is set */
	}
	errno = saved;
}

/* ---- the cache ---- */

static char *cache_root(const char *dir)
{
	char *d = dir && *dir ? xstrdup(dir) : fcache_default_dir(), *r;

	if (!d)
		return NULL;
	r = path_join(d, JUDGE_SUBDIR);
	free(d);
	return r;
}

static char *entry_path(const char *root, const char *key)
{
	return xasprintf("%s/%.2s/%s.json", root, key, key);
}

/* The cached reply for key: 1 found (fills the outputs), 0 none. */
static int cache_get(const char *root, const char *key, char **reply, char **finish,
		     long long *in, long long *out)
{
	char *p;
	struct buf b = BUF_INIT;
	cJSON *t;
	const cJSON *u;
	int found = 0;

	if (!root)
		return 0;
	p = entry_path(root, key);
	if (!file_exists(p) || read_file(p, &b) < 0) {
		free(p);
		buf_release(&b);
		return 0;
	}
	t = cJSON_ParseWithLength(buf_cstr(&b), b.len);
	if (t && json_get_str(t, "key") && !strcmp(json_get_str(t, "key"), key)) {
		const cJSON *r = json_get(t, "reply");
		*reply = cJSON_IsString(r) ? xstrdup(r->valuestring) : NULL;
		*finish = json_get_str(t, "finish_reason") ? xstrdup(json_get_str(t, "finish_reason")) : NULL;
		u = json_get(t, "usage");
		*in = cJSON_IsNumber(json_get(u, "input")) ? (long long)json_get(u, "input")->valuedouble : -1;
		*out = cJSON_IsNumber(json_get(u, "output")) ? (long long)json_get(u, "output")->valuedouble : -1;
		found = 1;
	} else {
		warnf("judge cache: '%s' is damaged (ignored)", p);
	}
	cJSON_Delete(t);
	buf_release(&b);
	free(p);
	return found;
}

static void cache_put(const char *root, const char *key, const char *model, const char *name,
		      const char *reply, const char *finish, long long in, long long out)
{
	struct buf b = BUF_INIT;
	struct jw w;
	char *p, *d, stamp[32];

	if (!root)
		return;
	p = entry_path(root, key);
	d = path_dir(p);
	if (mkdir_p(d) < 0) {
		free(d);
		free(p);
		return;
	}
	utc_stamp(stamp, wall_now());
	jw_init(&w, &b, 0);
	jw_obj(&w);
	jw_key(&w, "key");
	jw_str(&w, key);
	jw_key(&w, "model");
	jw_str(&w, model);
	jw_key(&w, "judge");
	jw_str(&w, name);
	jw_key(&w, "reply");
	jw_str(&w, reply);
	jw_key(&w, "finish_reason");
	jw_str(&w, finish);
	jw_key(&w, "usage");
	jw_obj(&w);
	jw_key(&w, "input");
	if (in >= 0) jw_int(&w, in); else jw_null(&w);
	jw_key(&w, "output");
	if (out >= 0) jw_int(&w, out); else jw_null(&w);
	jw_end(&w);
	jw_key(&w, "created");
	jw_str(&w, stamp);
	jw_end(&w);
	buf_addch(&b, '\n');
	secret_scrub_values(&b);
	if (write_file_atomic_quiet(p, buf_cstr(&b), b.len) < 0)
		warnf("judge cache: cannot write '%s'", p);
	buf_release(&b);
	free(d);
	free(p);
}

static int walk_entries(const char *root, int remove_them, long *n, long long *bytes)
{
	DIR *top = opendir(root), *sub;
	struct dirent *e, *f;

	*n = 0;
	*bytes = 0;
	if (!top)
		return 0;
	while ((e = readdir(top))) {
		char *sd;
		if (e->d_name[0] == '.')
			continue;
		sd = path_join(root, e->d_name);
		sub = opendir(sd);
		while (sub && (f = readdir(sub))) {
			size_t l = strlen(f->d_name);
			char *fp;
			struct stat st;
			if (l < 6 || strcmp(f->d_name + l - 5, ".json"))
				continue;
			fp = path_join(sd, f->d_name);
			if (stat(fp, &st) == 0 && S_ISREG(st.st_mode)) {
				(*n)++;
				*bytes += st.st_size;
				if (remove_them)
					unlink(fp);
			}
			free(fp);
		}
		if (sub)
			closedir(sub);
		if (remove_them)
			rmdir(sd);
		free(sd);
	}
	closedir(top);
	return 0;
}

int judge_cache_stats(const char *cache_dir, struct judge_cache_stats *st)
{
	char *root = cache_root(cache_dir);

	memset(st, 0, sizeof(*st));
	if (!root)
		return -1;
	walk_entries(root, 0, &st->entries, &st->bytes);
	free(root);
	return 0;
}

int judge_cache_clear(const char *cache_dir, long *removed)
{
	char *root = cache_root(cache_dir);
	long long bytes;

	*removed = 0;
	if (!root)
		return -1;
	walk_entries(root, 1, removed, &bytes);
	free(root);
	return 0;
}

/* ---- records ---- */

struct rec {
	char *id;
	cJSON *json;               /* the last line of the id */
};

struct recs {
	struct rec *v;
	size_t n, alloc;
	const struct suite *s;
};

static int on_rec(cJSON *j, size_t line, void *vctx)
{
	struct recs *r = vctx;
	const char *id = json_get_str(j, "id");
	size_t i;

	(void)line;
	if (!id) {
		cJSON_Delete(j);
		return 0;
	}
	/* the last line of an id counts (a small linear search from the end is
	 * enough: re-judged lines are rare; build an index if this shows up) */
	for (i = r->n; i > 0; i--)
		if (!strcmp(r->v[i - 1].id, id)) {
			cJSON_Delete(r->v[i - 1].json);
			r->v[i - 1].json = j;
			return 0;
		}
	ALLOC_GROW(r->v, r->n + 1, r->alloc);
	r->v[r->n].id = xstrdup(id);
	r->v[r->n].json = j;
	r->n++;
	return 0;
}

/* ---- jobs ---- */

enum jj { JJ_READY, JJ_FLIGHT, JJ_WAIT, JJ_DONE };

struct jjob {
	enum jj state;
	cJSON *rec;                /* the sample (owned; freed when the job ends) */
	const struct item *it;
	const char *response;      /* borrowed from rec */
	size_t response_len;
	struct buf user;
	char key[65];
	int keyed;
	int attempts;
	double due, t_start;
	struct http_call call;
	struct httpq_xfer x;
	char tag[48];
	char *error;
};

struct jstate {
	const struct judge_opts *o;
	const struct suite *s;
	const struct protocol *p;
	struct judge_proto jp;
	struct model *m;
	const char *model_id;
	struct store st;
	char *cache;               /* CACHE/judge, or NULL */
	char *dir;
	struct jjob **jobs;
	size_t njobs, alloc, left, inflight;
	long conc;
	struct httpq own_q;        /* steval judge / score: its own queue */
	int q_ok;
	struct httpq *q;           /* own_q, or the run's (judge_stage_use_queue) */
	struct limiter lim;
	struct rng rng;
	int stop;                  /* 1 interrupted, 2 fatal, 3 cannot write */
	char *stop_reason;
	struct judge_counts c;
	long long tok_in, tok_out;
	double price_in, price_out;   /* USD per million tokens; < 0 unknown */
	double cost;
	int progress;
	double t0, last_progress;
};

/* One line on a terminal, redrawn four times a second. */
static void progress(struct jstate *s, int force)
{
	double now = mono_now();
	size_t done = s->c.judged + s->c.errors;

	if (!s->progress || (!force && now - s->last_progress < 0.25))
		return;
	s->last_progress = now;
	log_raw("\r\033[Kjudge %zu/%zu  verdicts %zu (cached %zu)  unparsed %zu  judge_error %zu  | %zu in flight"
		" | %.2f/s", done, s->c.todo, s->c.judged, s->c.from_cache, s->c.unparsed, s->c.errors,
		s->inflight, now > s->t0 ? (double)(done - s->c.from_cache) / (now - s->t0) : 0.0);
}

static void set_stop(struct jstate *s, int why, const char *fmt, ...) PRINTF_LIKE(3, 4);

static void set_stop(struct jstate *s, int why, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (s->stop)
		return;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	secret_scrub(&b);
	s->stop = why;
	s->stop_reason = buf_detach(&b, NULL);
}

static void build_rq(struct jstate *s, struct jjob *j, struct part *pt, struct request *rq)
{
	memset(pt, 0, sizeof(*pt));
	pt->kind = PART_TEXT;
	pt->text = buf_cstr(&j->user);
	pt->len = j->user.len;
	pt->pts = -1;
	pt->frame_index = -1;
	pt->frame_no = -1;
	pt->t_start = pt->t_end = -1;
	memset(rq, 0, sizeof(*rq));
	rq->it = j->it;
	rq->p = s->p;
	rq->system = s->jp.system;
	rq->text = buf_cstr(&j->user);
	rq->text_len = j->user.len;
	rq->parts = pt;
	rq->nparts = 1;
	rq->generation = s->jp.generation;
	rq->seed = s->o->seed;
	rq->attempt = j->attempts;
	rq->tag = j->tag;
}

/* The request a worker adapter receives, as JSON, for its cache key. */
static void pseudo_body(struct jstate *s, struct jjob *j, struct buf *out)
{
	struct jw w;

	jw_init(&w, out, 0);
	jw_obj(&w);
	jw_key(&w, "system");
	jw_str(&w, s->jp.system);
	jw_key(&w, "user");
	jw_strn(&w, buf_cstr(&j->user), j->user.len);
	jw_key(&w, "generation");
	jw_value(&w, s->jp.generation);
	jw_end(&w);
}

static int compute_key(struct jstate *s, struct jjob *j)
{
	struct request rq;
	struct part pt;
	struct http_call call;
	int rc = -1;

	if (s->m->ops->build) {
		memset(&call, 0, sizeof(call));
		build_rq(s, j, &pt, &rq);
		if (s->m->ops->build(s->m, &rq, &call) == 0)
			rc = judge_cache_key(s->model_id, buf_cstr(&call.body), call.body.len, j->key);
		http_call_release(&call);
	} else {
		struct buf b = BUF_INIT;
		pseudo_body(s, j, &b);
		rc = judge_cache_key(s->model_id, buf_cstr(&b), b.len, j->key);
		buf_release(&b);
	}
	j->keyed = rc == 0;
	return rc;
}

/* The text the parser reads: what the adapter kept of the reasoning (a
 * leading <think> block) is not the reply's content. */
static const char *content_of(const char *text)
{
	const char *e;

	if (text && !strncmp(text, "<think>", 7) && (e = strstr(text, "</think>")))
		return e + 8;
	return text;
}

static void write_rec(struct jstate *s, struct jjob *j, const struct judge_result *res)
{
	struct buf line = BUF_INIT;
	struct jw w;

	judge_apply(j->rec, res);
	jw_init(&w, &line, 0);
	jw_value(&w, j->rec);
	secret_scrub_values(&line);
	if (store_append(&s->st, buf_cstr(&line), line.len) < 0)
		set_stop(s, 3, "cannot write '%s/samples.jsonl'", s->st.dir);
	buf_release(&line);
}

static void finish_reply(struct jstate *s, struct jjob *j, const char *text, const char *finish,
			 long long in, long long out, int cached)
{
	struct judge_reading rd;
	struct judge_result res;
	const char *content = content_of(text);

	judge_read(&s->jp, content, content ? strlen(content) : 0, &rd);
	memset(&res, 0, sizeof(res));
	res.reading = &rd;
	res.reply = text;
	res.finish_reason = finish;
	res.judge_name = s->jp.name;
	res.judge_spec = s->o->spec;
	res.judge_model = s->model_id;
	res.key = j->keyed ? j->key : NULL;
	res.cached = cached;
	res.attempts = j->attempts;
	res.in_tokens = in;
	res.out_tokens = out;
	res.cost = -1;
	if (!cached && s->price_in >= 0 && in >= 0 && out >= 0)
		res.cost = ((double)in * s->price_in + (double)out * s->price_out) / 1e6;
	if (!cached) {
		if (in > 0)
			s->tok_in += in;
		if (out > 0)
			s->tok_out += out;
		if (res.cost > 0)
			s->cost += res.cost;
	}
	write_rec(s, j, &res);
	s->c.judged++;
	if (cached)
		s->c.from_cache++;
	if (rd.status == JUDGE_UNPARSED) {
		s->c.unparsed++;
		notef("item '%s': the judge's reply does not parse (%s): scored wrong, as the "
		      "official code scores it", j->it->id, rd.why);
	}
	judge_reading_release(&rd);
}

static void finish_error(struct jstate *s, struct jjob *j, const char *msg)
{
	struct judge_result res;

	memset(&res, 0, sizeof(res));
	res.error = 1;
	res.error_msg = msg;
	res.judge_name = s->jp.name;
	res.judge_spec = s->o->spec;
	res.judge_model = s->model_id;
	res.key = j->keyed ? j->key : NULL;
	res.attempts = j->attempts;
	res.in_tokens = res.out_tokens = -1;
	res.cost = -1;
	write_rec(s, j, &res);
	s->c.errors++;
	notef("item '%s': judge_error: %s", j->it->id, msg);
}

static void end_job(struct jstate *s, struct jjob *j)
{
	if (j->state == JJ_FLIGHT)
		s->inflight--;
	j->state = JJ_DONE;
	s->left--;
	http_call_release(&j->call);
	httpq_xfer_release(&j->x);
	buf_release(&j->user);
	cJSON_Delete(j->rec);
	j->rec = NULL;
}

static void outcome(struct jstate *s, struct jjob *j, enum outcome o, struct answer *a,
		    const struct verdict *v)
{
	double now = mono_now();
	const char *msg;
	struct verdict cut;
	struct retry_plan pl;

	memset(&cut, 0, sizeof(cut));
	if (o == OUT_OK && a && judge_retry_finish(&s->jp, a->finish_reason)) {
		/* the official SDK raises on these (LengthFinishReasonError) and retries */
		cut.outcome = OUT_RETRY;
		cut.delay = -1;
		cut.message = xasprintf("the judge's reply ended with finish_reason '%s'", a->finish_reason);
		v = &cut;
		o = OUT_RETRY;
	}
	if (o == OUT_OK) {
		cache_put(s->cache, j->key, s->model_id, s->jp.name, a->text, a->finish_reason,
			  a->in_tokens, a->out_tokens);
		finish_reply(s, j, a->text, a->finish_reason, a->in_tokens, a->out_tokens, 0);
		end_job(s, j);
		return;
	}
	msg = v && v->message ? v->message : "failed";
	free(j->error);
	j->error = xstrdup(msg);
	/* the run loop's rules (adapters/retry.h) */
	retry_decide(o, v, j->attempts, s->o->retries, s->o->max_retry_wait, &s->rng, &pl);
	if (pl.action == RETRY_STOP) {
		/* not written: the next call retries it */
		set_stop(s, 2, "item '%s': the judge: %s", j->it->id, msg);
		end_job(s, j);
		s->c.skipped++;
	} else if (pl.action == RETRY_FAIL) {
		finish_error(s, j, pl.why);
		end_job(s, j);
	} else {
		if (pl.pause)
			limiter_pause(&s->lim, now + pl.delay);
		if (j->state == JJ_FLIGHT)
			s->inflight--;
		j->state = JJ_WAIT;
		j->due = now + pl.delay;
		s->c.retried++;
		notef("item '%s': judge attempt %d failed, retrying in %.2f s: %s", j->it->id,
		      j->attempts, pl.delay, msg);
	}
	retry_plan_release(&pl);
	free(cut.message);
}

static void start(struct jstate *s, struct jjob *j)
{
	struct request rq;
	struct part pt;
	double now = mono_now();

	j->attempts++;
	snprintf(j->tag, sizeof(j->tag), "judge-%p-%d", (void *)j, j->attempts);
	build_rq(s, j, &pt, &rq);
	limiter_take(&s->lim, 0, now);
	s->c.requests++;
	j->t_start = now;
	j->state = JJ_FLIGHT;
	s->inflight++;
	if (s->m->ops->build) {
		http_call_release(&j->call);
		if (s->m->ops->build(s->m, &rq, &j->call) < 0) {
			finish_error(s, j, "cannot build the judge request");
			end_job(s, j);
			return;
		}
		memset(&j->x, 0, sizeof(j->x));
		j->x.url = j->call.url;
		j->x.headers = j->call.headers;
		j->x.nheaders = j->call.nheaders;
		j->x.body = buf_cstr(&j->call.body);
		j->x.body_len = j->call.body.len;
		j->x.refs = j->call.refs.v;
		j->x.nrefs = j->call.refs.n;
		j->x.stream = j->call.stream;
		j->x.ctx = j;
		httpq_submit(s->q, &j->x);
		return;
	}
	if (s->m->ops->submit(s->m, &rq) < 0) {
		struct verdict v;
		memset(&v, 0, sizeof(v));
		v.delay = -1;
		v.message = xstrdup("cannot hand the request to the worker");
		outcome(s, j, OUT_RETRY, NULL, &v);
		verdict_release(&v);
	}
}

static void on_http_done(struct jstate *s, struct httpq_xfer *x)
{
	struct jjob *j = x->ctx;
	struct http_reply rep;
	struct answer a;
	struct verdict v;
	enum outcome o;

	memset(&rep, 0, sizeof(rep));
	rep.status = x->status;
	rep.curl_code = x->curl_code;
	rep.curl_error = x->errmsg;
	rep.too_large = x->too_large;
	rep.body = buf_cstr(&x->resp);
	rep.len = x->resp.len;
	rep.hdrs = &x->hdrs;
	rep.now_wall = wall_now();
	answer_init(&a);
	memset(&v, 0, sizeof(v));
	v.delay = -1;
	debugf("judge item '%s' attempt %d: HTTP %ld, curl %d, %zu bytes", j->it->id, j->attempts,
	       x->status, x->curl_code, x->resp.len);
	o = s->m->ops->parse(s->m, &rep, &a, &v);
	http_call_release(&j->call);
	httpq_xfer_release(&j->x);
	outcome(s, j, o, &a, &v);
	answer_release(&a);
	verdict_release(&v);
}

static struct jjob *job_by_tag(struct jstate *s, const char *tag)
{
	size_t i;

	for (i = 0; i < s->njobs; i++)
		if (s->jobs[i]->state == JJ_FLIGHT && !strcmp(s->jobs[i]->tag, tag))
			return s->jobs[i];
	return NULL;
}

static void on_worker_done(void *ctx, const char *tag, struct answer *a, const struct verdict *v)
{
	struct jstate *s = ctx;
	struct jjob *j = job_by_tag(s, tag);

	if (!j)
		return;
	if (a)
		outcome(s, j, OUT_OK, a, NULL);
	else
		outcome(s, j, v->outcome, NULL, v);
}

static double dispatch(struct jstate *s)
{
	double next = 1.0;
	size_t i;

	while (!s->stop && (long)s->inflight < s->conc) {
		struct jjob *best = NULL;
		double now = mono_now(), w;
		for (i = 0; i < s->njobs; i++) {
			struct jjob *j = s->jobs[i];
			if (j->state == JJ_READY || (j->state == JJ_WAIT && j->due <= now)) {
				best = j;
				break;
			}
			if (j->state == JJ_WAIT && j->due - now < next)
				next = j->due - now;
		}
		if (!best)
			break;
		w = limiter_wait(&s->lim, 0, now);
		if (w > 0) {
			if (w < next)
				next = w;
			break;
		}
		start(s, best);
		next = 0;
	}
	return next < 0 ? 0 : next;
}

static void loop(struct jstate *s)
{
	struct curl_waitfd fds[MAX_WAITFDS];
	struct httpq_xfer *x;

	while (s->left && !s->stop) {
		unsigned nfds = 0;
		double wait;
		int ms;
		if (j_interrupted) {
			set_stop(s, 1, "interrupted");
			break;
		}
		wait = dispatch(s);
		if (s->stop || !s->left)
			break;
		ms = (int)(wait * 1000) + (wait > 0 ? 1 : 0);
		if (ms > 1000)
			ms = 1000;
		if (s->progress && ms > 250)
			ms = 250;
		if (j_pipe[0] >= 0) {
			fds[nfds].fd = j_pipe[0];
			fds[nfds].events = CURL_WAIT_POLLIN;
			fds[nfds].revents = 0;
			nfds++;
		}
		if (s->m->ops->waitfds)
			nfds += (unsigned)s->m->ops->waitfds(s->m, fds + nfds, MAX_WAITFDS - nfds);
		if (httpq_poll(s->q, ms, fds, nfds) < 0) {
			set_stop(s, 2, "the HTTP queue failed");
			break;
		}
		if (j_pipe[0] >= 0) {
			char b[64];
			while (read(j_pipe[0], b, sizeof(b)) > 0)
				;
		}
		while ((x = httpq_done(s->q)))
			on_http_done(s, x);
		if (s->m->ops->service)
			s->m->ops->service(s->m, mono_now(), on_worker_done, s);
		progress(s, 0);
	}
	if (s->progress) {
		progress(s, 1);
		log_raw("\n");
	}
}

/* Abandon what is not finished: not written, the next call redoes it. */
static void abandon(struct jstate *s)
{
	size_t i;

	for (i = 0; i < s->njobs; i++) {
		struct jjob *j = s->jobs[i];
		if (j->state == JJ_FLIGHT) {
			if (s->m->ops->build && s->q)
				httpq_cancel(s->q, &j->x);
			else if (s->m->ops->cancel)
				s->m->ops->cancel(s->m, j->tag);
		}
		if (j->state != JJ_DONE) {
			s->c.skipped++;
			end_job(s, j);
		}
	}
}

/* ---- the manifest ---- */

static void write_manifest(struct jstate *s, const char *dir, double seconds)
{
	char *jp = path_join(dir, "judge.json");
	struct buf b = BUF_INIT;
	struct jw w;
	char stamp[32];

	utc_stamp(stamp, wall_now());
	jw_init(&w, &b, 1);
	jw_obj(&w);
	jw_key(&w, "spec");
	jw_str(&w, s->o->spec);
	jw_key(&w, "model");
	jw_str(&w, s->model_id);
	jw_key(&w, "endpoint");
	model_describe(s->m, &w);
	jw_key(&w, "name");
	jw_str(&w, s->jp.name);
	jw_key(&w, "source");
	jw_str(&w, s->jp.source);
	jw_key(&w, "official_model");
	jw_str(&w, s->jp.model);
	jw_key(&w, "system_sha256");
	jw_str(&w, s->jp.system_sha256);
	jw_key(&w, "template_sha256");
	jw_str(&w, s->jp.template_sha256);
	jw_key(&w, "settings_sha256");
	jw_str(&w, s->jp.settings_sha256);
	jw_key(&w, "settings");
	jw_value(&w, s->jp.generation);
	jw_key(&w, "parser");
	jw_str(&w, s->jp.parser == JUDGE_PARSE_BRACES ? "braces" : "json");
	jw_key(&w, "cache");
	jw_str(&w, s->cache);
	jw_key(&w, "concurrency");
	jw_int(&w, s->conc);
	jw_key(&w, "rpm");
	jw_num(&w, s->m->ep.rpm);
	jw_key(&w, "retries");
	jw_int(&w, s->o->retries);
	jw_key(&w, "status");
	jw_str(&w, s->stop == 1 ? "interrupted" : s->stop ? "stopped" :
		   s->c.errors ? "finished-with-errors" : "finished");
	if (s->stop_reason) {
		jw_key(&w, "stopped");
		jw_str(&w, s->stop_reason);
	}
	jw_key(&w, "updated");
	jw_str(&w, stamp);
	jw_key(&w, "counts");
	jw_obj(&w);
	jw_key(&w, "todo");
	jw_int(&w, (long long)s->c.todo);
	jw_key(&w, "judged");
	jw_int(&w, (long long)s->c.judged);
	jw_key(&w, "from_cache");
	jw_int(&w, (long long)s->c.from_cache);
	jw_key(&w, "unparsed_verdict");
	jw_int(&w, (long long)s->c.unparsed);
	jw_key(&w, "judge_error");
	jw_int(&w, (long long)s->c.errors);
	jw_key(&w, "requests");
	jw_int(&w, s->c.requests);
	jw_key(&w, "retried");
	jw_int(&w, s->c.retried);
	jw_end(&w);
	jw_key(&w, "tokens");
	jw_obj(&w);
	jw_key(&w, "input");
	jw_int(&w, s->tok_in);
	jw_key(&w, "output");
	jw_int(&w, s->tok_out);
	jw_end(&w);
	jw_key(&w, "price");
	if (s->price_in >= 0) {
		jw_obj(&w);
		jw_key(&w, "input");
		jw_num(&w, s->price_in);
		jw_key(&w, "output");
		jw_num(&w, s->price_out);
		jw_key(&w, "per");
		jw_str(&w, "1M tokens");
		jw_end(&w);
		jw_key(&w, "cost");
		jw_num(&w, s->cost);
	} else {
		jw_null(&w);
	}
	jw_key(&w, "seconds");
	jw_num(&w, seconds);
	jw_end(&w);
	buf_addch(&b, '\n');
	secret_scrub(&b);
	if (write_file_atomic(jp, buf_cstr(&b), b.len) < 0)
		warnf("judge: cannot write '%s'", jp);
	judge_manifest_merge(dir);
	buf_release(&b);
	free(jp);
}

int judge_manifest_merge(const char *dir)
{
	char *mp = path_join(dir, "manifest.json"), *jp = path_join(dir, "judge.json");
	cJSON *mf = NULL, *blk = NULL;
	struct buf b = BUF_INIT;
	struct jw w;
	int rc = 0;

	if (!file_exists(mp) || !file_exists(jp))
		goto out;
	mf = json_parse_file(mp, (size_t)64 << 20);
	blk = json_parse_file(jp, (size_t)16 << 20);
	if (!mf || !blk) {
		rc = -1;
		goto out;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(mf, "judge");
	cJSON_AddItemToObject(mf, "judge", blk);
	blk = NULL;
	jw_init(&w, &b, 1);
	jw_value(&w, mf);
	buf_addch(&b, '\n');
	rc = write_file_atomic(mp, buf_cstr(&b), b.len);
out:
	cJSON_Delete(mf);
	cJSON_Delete(blk);
	buf_release(&b);
	free(mp);
	free(jp);
	return rc;
}

/* ---- the stage ---- */

static void read_price(struct jstate *s)
{
	const cJSON *pr = json_get(s->m->ep.json, "price");

	s->price_in = s->price_out = -1;
	if (cJSON_IsObject(pr) && cJSON_IsNumber(json_get(pr, "input")) &&
	    cJSON_IsNumber(json_get(pr, "output"))) {
		s->price_in = json_get(pr, "input")->valuedouble;
		s->price_out = json_get(pr, "output")->valuedouble;
	}
}

/* Take a sample: judge it (from the cache at once, else a job), or drop it
 * (not this suite's, a model error, judged already). Takes rec. */
static int add_job(struct jstate *s, cJSON *rec)
{
	const char *id = json_get_str(rec, "id"), *st = json_get_str(rec, "status");
	const struct item *it = id ? suite_item(s->s, id) : NULL;
	const cJSON *resp = json_get(rec, "response");
	struct jjob *j;
	char *reply = NULL, *finish = NULL;
	long long in, out;

	/* a model error (no answer) is not judged; a judge_error is judged again */
	if (!it || (st && !strcmp(st, "error") && !json_get(rec, "judge")) ||
	    (!cJSON_IsString(resp) && !cJSON_IsNull(resp))) {
		cJSON_Delete(rec);
		return 0;
	}
	j = xcalloc(1, sizeof(*j));
	ALLOC_GROW(s->jobs, s->njobs + 1, s->alloc);
	s->jobs[s->njobs++] = j;
	j->rec = rec;
	j->it = it;
	j->response = cJSON_IsString(resp) ? resp->valuestring : NULL;
	j->response_len = j->response ? strlen(j->response) : 0;
	buf_init(&j->user, BUF_MAX_DEFAULT);
	j->state = JJ_READY;
	s->c.todo++;
	s->left++;
	if (judge_render(&s->jp, it, j->response, j->response_len, &j->user) < 0) {
		end_job(s, j);
		return -1;
	}
	compute_key(s, j);
	/* a verdict of this very request (same judge model, prompt, settings) is
	 * kept; another judge's, or one of an older prompt, is judged again */
	if (j->keyed && judge_done(rec, s->jp.name, s->model_id) &&
	    (!json_get_str(json_get(rec, "judge"), "key") ||
	     !strcmp(json_get_str(json_get(rec, "judge"), "key"), j->key))) {
		s->c.todo--;
		end_job(s, j);
		return 0;
	}
	/* the cache first: what it holds makes no request */
	if (j->keyed && s->cache && cache_get(s->cache, j->key, &reply, &finish, &in, &out)) {
		finish_reply(s, j, reply, finish, in, out, 1);
		end_job(s, j);
	}
	free(reply);
	free(finish);
	return 0;
}

struct judge_stage {
	struct jstate s;
	double t0;
};

int judge_stage_begin(struct judge_stage **out, const char *dir, const struct suite *su,
		      const struct protocol *p, const struct judge_opts *o)
{
	struct judge_stage *js = xcalloc(1, sizeof(*js));
	struct jstate *s = &js->s;
	struct recs rs;
	struct model_opts mo;
	char *sp = NULL;
	size_t i, torn = SIZE_MAX;
	int lr, rc = -1;

	*out = NULL;
	memset(&rs, 0, sizeof(rs));
	js->t0 = mono_now();
	s->o = o;
	s->s = su;
	s->p = p;
	s->st.fd = -1;
	s->dir = xstrdup(dir);
	rs.s = su;
	lr = judge_proto_load(&s->jp, p);
	if (lr < 0)
		goto out;
	if (lr == 0) {
		error("judge: protocol '%s' of suite '%s' declares no judge (docs/scoring.md §7)",
		      p->name, su->name);
		goto out;
	}
	if (!o->spec || !*o->spec) {
		error("judge: --judge SPEC is needed (the official judge of '%s' is '%s')", su->name,
		      s->jp.model ? s->jp.model : "?");
		goto out;
	}
	memset(&mo, 0, sizeof(mo));
	mo.models_file = o->models_file ? o->models_file : getenv("STEVAL_MODELS");
	mo.key_env = o->key_env;
	mo.stream = -1;
	mo.concurrency = o->concurrency;
	mo.rpm = o->rpm;
	mo.tpm = -1;
	mo.timeout_ms = (long)(o->timeout * 1000);
	/* the official judge sends temperature and top_p even to o4-mini (the
	 * values are the API's defaults, which reasoning models accept) */
	mo.send_sampling = 1;
	if (model_open(&s->m, o->spec, su, &mo) < 0)
		goto out;
	if (s->m->ops->answer) {
		error("judge: '%s' is not a model (a judge needs an HTTP model or a command worker)",
		      o->spec);
		goto out;
	}
	s->model_id = s->m->ep.model ? s->m->ep.model : s->m->spec;
	s->conc = model_concurrency(s->m);
	if (s->conc < 1)
		s->conc = 1;
	read_price(s);
	s->cache = o->no_cache ? NULL : cache_root(o->cache_dir);
	rng_seed_str(&s->rng, o->seed, "judge-backoff");
	limiter_init(&s->lim, s->m->ep.rpm, 0, mono_now());
	s->t0 = mono_now();

	/* the answers already there, the last line of each id */
	if (store_open_dir(&s->st, dir, 0) < 0)
		goto out;
	sp = path_join(dir, "samples.jsonl");
	if (file_exists(sp) && store_read_jsonl(sp, on_rec, &rs, &torn) < 0)
		goto out;
	for (i = 0; i < rs.n; i++) {
		cJSON *rec = rs.v[i].json;
		rs.v[i].json = NULL;
		if (add_job(s, rec) < 0)
			goto out;
	}
	rc = 0;
out:
	for (i = 0; i < rs.n; i++) {
		free(rs.v[i].id);
		cJSON_Delete(rs.v[i].json);
	}
	free(rs.v);
	free(sp);
	if (rc < 0) {
		judge_stage_end(js, 0, NULL);
		return EXIT_USAGE;
	}
	*out = js;
	return EXIT_OK;
}

long judge_stage_concurrency(const struct judge_stage *js)
{
	return js->s.conc;
}

void judge_stage_use_queue(struct judge_stage *js, struct httpq *q)
{
	js->s.q = q;
}

void judge_stage_add(struct judge_stage *js, const char *line, size_t len)
{
	cJSON *rec = cJSON_ParseWithLength(line, len);

	if (rec && add_job(&js->s, rec) < 0)
		set_stop(&js->s, 3, "cannot render a judge prompt");
}

double judge_stage_dispatch(struct judge_stage *js)
{
	return js->s.q ? dispatch(&js->s) : 1.0;
}

int judge_stage_take(struct judge_stage *js, struct httpq_xfer *x)
{
	struct jstate *s = &js->s;
	size_t i;

	for (i = 0; i < s->njobs; i++)
		if (s->jobs[i]->state == JJ_FLIGHT && &s->jobs[i]->x == x) {
			on_http_done(s, x);
			return 1;
		}
	return 0;
}

unsigned judge_stage_waitfds(struct judge_stage *js, void *fds, unsigned max)
{
	struct jstate *s = &js->s;

	return s->m->ops->waitfds ? (unsigned)s->m->ops->waitfds(s->m, fds, max) : 0;
}

void judge_stage_service(struct judge_stage *js)
{
	struct jstate *s = &js->s;

	if (s->m->ops->service)
		s->m->ops->service(s->m, mono_now(), on_worker_done, s);
}

int judge_stage_end(struct judge_stage *js, int finish, struct judge_counts *out)
{
	struct jstate *s = &js->s;
	struct sigaction sa, old_int, old_term, old_pipe;
	const struct judge_opts *o = s->o;
	size_t i;
	int rc = EXIT_USAGE, signals_set = 0;

	if (!s->m)
		goto out;   /* judge_stage_begin failed */
	if (finish && !s->stop && s->left) {
		if (!s->q) {
			struct httpq_opts qo;
			memset(&qo, 0, sizeof(qo));
			qo.connect_timeout_ms = (long)(o->connect_timeout * 1000);
			qo.timeout_ms = (long)(o->timeout * 1000);
			qo.max_response = (size_t)64 << 20;
			qo.max_inflight = s->conc;
			qo.cainfo = getenv("STEVAL_CA_BUNDLE");
			if (httpq_init(&s->own_q, &qo) < 0)
				goto out;
			s->q_ok = 1;
			s->q = &s->own_q;
		}
		s->progress = o->progress >= 0 ? o->progress : (isatty(2) && log_get_level() >= LOG_WARN);
		if (pipe(j_pipe) == 0) {
			for (i = 0; i < 2; i++) {
				fcntl(j_pipe[i], F_SETFL, fcntl(j_pipe[i], F_GETFL) | O_NONBLOCK);
				fcntl(j_pipe[i], F_SETFD, FD_CLOEXEC);
			}
		}
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = j_on_signal;
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
		sa.sa_handler = SIG_IGN;
		sigaction(SIGPIPE, &sa, &old_pipe);
		signals_set = 1;
		j_interrupted = 0;
		loop(s);
	} else if (!finish && s->left) {
		set_stop(s, 1, "interrupted");
	}
	abandon(s);
	store_sync(&s->st);
	write_manifest(s, s->dir, mono_now() - js->t0);

	rc = EXIT_OK;
	if (s->stop == 1) {
		warnf("judge: interrupted: %zu of %zu answers judged and saved; 'steval judge %s "
		      "--judge %s' continues", s->c.judged + s->c.errors, s->c.todo, s->dir, o->spec);
		rc = EXIT_INCOMPLETE;
	} else if (s->stop) {
		error("judge: %s; %zu of %zu answers judged and saved; 'steval judge %s --judge %s' "
		      "continues", s->stop_reason, s->c.judged + s->c.errors, s->c.todo, s->dir, o->spec);
		rc = EXIT_INCOMPLETE;
	} else if (s->c.errors) {
		error("judge: %zu of %zu answers have no verdict (judge_error: left out of the score); "
		      "'steval judge %s --judge %s' retries them", s->c.errors, s->c.todo, s->dir, o->spec);
		rc = EXIT_INCOMPLETE;
	}
	if (s->c.unparsed)
		warnf("judge: %zu verdict%s did not parse (unparsed_verdict: scored wrong, as the "
		      "official code scores them)", s->c.unparsed, s->c.unparsed == 1 ? "" : "s");
out:
	if (signals_set) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		sigaction(SIGPIPE, &old_pipe, NULL);
	}
	for (i = 0; i < 2; i++)
		if (j_pipe[i] >= 0) {
			close(j_pipe[i]);
			j_pipe[i] = -1;
		}
	if (out)
		*out = s->c;
	for (i = 0; i < s->njobs; i++) {
		struct jjob *j = s->jobs[i];
		buf_release(&j->user);
		http_call_release(&j->call);
		httpq_xfer_release(&j->x);
		cJSON_Delete(j->rec);
		free(j->error);
		free(j);
	}
	free(s->jobs);
	if (s->q_ok)
		httpq_release(&s->own_q);
	store_close(&s->st);
	free(s->cache);
	free(s->dir);
	free(s->stop_reason);
	model_close(s->m);
	judge_proto_release(&s->jp);
	free(js);
	return rc;
}

int judge_stage(const char *dir, const struct suite *su, const struct protocol *p,
		const struct judge_opts *o, struct judge_counts *out)
{
	struct judge_stage *js;

	if (judge_stage_begin(&js, dir, su, p, o) != EXIT_OK)
		return EXIT_USAGE;
	return judge_stage_end(js, 1, out);
}
