/*
 * run.c: the dispatch loop of a run (run.h); the other parts are in job.c,
 * manifest.c and progress.c (run_int.h).
 */
#include "lib/common.h"
#include "harness/run/run_int.h"
#include "harness/run/judge.h"
#include "adapters/retry.h"

/* ---- signals: a self-pipe wakes the poll ---- */

static volatile sig_atomic_t interrupted;
static int sigpipe_fd[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	interrupted = 1;
	if (sigpipe_fd[1] >= 0 && write(sigpipe_fd[1], &c, 1) < 0) {
		/* nothing to do: the flag is set */
	}
	errno = saved;
}

void run_opts_init(struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->stream = -1;
	o->rpm = o->tpm = -1;
	o->timeout = 600;
	o->connect_timeout = 30;
	o->idle_timeout = 120;
	o->retries = 4;
	o->max_retry_wait = 120;
	o->max_response = 64 << 20;
	o->progress = -1;
	o->limit = -1;
}

static int parse_max_errors(struct run_state *r, const char *s)
{
	double d;
	size_t n;

	r->max_errors = -1;
	r->max_errors_frac = -1;
	if (!s)
		return 0;
	n = strlen(s);
	if (n && s[n - 1] == '%') {
		char *t = xstrndup(s, n - 1);
		int rc = parse_double(t, &d);
		free(t);
		if (rc < 0 || !(d >= 0 && d <= 100))
			return error("--max-errors: '%s' is not a percentage", s);
		r->max_errors_frac = d / 100;
		return 0;
	}
	if (parse_double(s, &d) < 0 || !(d >= 0 && d <= 1e15) || d != (long)d)
		return error("--max-errors: '%s' is neither a count nor a percentage (N or P%%)", s);
	r->max_errors = (long)d;
	return 0;
}

static int too_many_errors(const struct run_state *r)
{
	if (r->max_errors >= 0 && (long)r->errors > r->max_errors)
		return 1;
	if (r->max_errors_frac >= 0 && r->todo &&
	    (double)r->errors / (double)r->todo > r->max_errors_frac)
		return 1;
	return 0;
}

static cJSON *merged_generation(const struct protocol *p, const cJSON *over)
{
	cJSON *g = p->generation ? cJSON_Duplicate(p->generation, 1) : cJSON_CreateObject();
	const cJSON *k;

	cJSON_ArrayForEach(k, over) {
		cJSON_DeleteItemFromObjectCaseSensitive(g, k->string);
		cJSON_AddItemToObject(g, k->string, cJSON_Duplicate(k, 1));
	}
	return g;
}

/* ---- resume ---- */

static int on_done(cJSON *rec, size_t line, void *vctx)
{
	struct run_state *r = vctx;
	const char *id = json_get_str(rec, "id"), *st = json_get_str(rec, "status");
	const struct item *it = id ? suite_item(&r->s, id) : NULL;

	(void)line;
	if (it) {
		size_t k = (size_t)(it - r->s.items);
		const cJSON *rep = json_get(rec, "repeat");
		long q = cJSON_IsNumber(rep) ? (long)rep->valuedouble : 0;
		/* a judge_error is the judge's failure, not the model's: the answer is kept */
		if (q >= 0 && q < r->repeats)
			r->done[k * (size_t)r->repeats + (size_t)q] =
				st && (strcmp(st, "error") != 0 ||
				       (json_get(rec, "judge") && cJSON_IsString(json_get(rec, "response"))));
	}
	cJSON_Delete(rec);
	return 0;
}

/*
 * First half of preparing a job: when it needs frames, hand its video to
 * the frame pool (returns 2: the job waits in J_MEDIA); else finish at once.
 * Returns 0 ready, 1 the item fails (j->error), 2 waiting, -1 usage error.
 */

/* ---- finishing ---- */

static int finish(struct run_state *r, struct job *j, struct answer *ans, const char *err)
{
	struct graded gr;
	struct sample smp;
	struct buf line = BUF_INIT;
	double now = mono_now(), frames, total;
	size_t k;
	int rc = -1;

	memset(&gr, 0, sizeof(gr));
	if (grade_all(r->p, j->it, ans ? ans->text : NULL,
		      ans && ans->text ? strlen(ans->text) : 0, r->seed + (uint64_t)j->repeat,
		      ans ? ans->direct : 0, &gr) < 0)
		goto out;
	sample_init(&smp, j->it);
	smp.repeat = r->repeats > 1 ? j->repeat : -1;
	smp.response = ans ? ans->text : NULL;
	smp.response_len = smp.response ? strlen(smp.response) : 0;
	smp.error = smp.response ? NULL : (err ? err : "no answer");
	smp.g = &gr.main;
	for (k = 0; k < gr.nv && k < SAMPLE_MAX_VARIANTS; k++) {
		smp.vnames[k] = gr.vnames[k];
		smp.vg[k] = &gr.var[k];
	}
	smp.nv = k;
	smp.prompt_sha256 = j->prompt.len ? j->sha : NULL;
	smp.frames_json = j->frames_json;
	smp.images_json = j->images_json;
	if (ans) {
		smp.in_tokens = ans->in_tokens;
		smp.out_tokens = ans->out_tokens;
		smp.reasoning_tokens = ans->reasoning_tokens;
		smp.finish_reason = ans->finish_reason;
	}
	smp.attempts = j->attempts;
	frames = j->t_ready > 0 ? j->t_ready - j->t_admit : 0;
	total = now - j->t_admit;
	smp.t_frames = round(frames * 1e6) / 1e6;
	smp.t_network = round(j->t_net * 1e6) / 1e6;
	smp.t_queue = round((total - frames - j->t_net) * 1e6) / 1e6;
	if (smp.t_queue < 0)
		smp.t_queue = 0;
	sample_to_json(&smp, &line);
	secret_scrub_values(&line);
	if (store_append(&r->st, buf_cstr(&line), line.len) < 0)
		goto out;
	if (r->judge)
		judge_stage_add(r->judge, buf_cstr(&line), line.len);   /* to the judge at once */
	r->finished++;
	if (smp.response && ans->in_tokens > 0)
		r->tok_in += ans->in_tokens;
	if (smp.response && ans->out_tokens > 0)
		r->tok_out += ans->out_tokens;
	if (gr.main.status == GRADE_OK)
		r->ok++;
	else if (gr.main.status == GRADE_UNPARSED)
		r->unparsed++;
	else
		r->errors++;
	if (gr.main.status == GRADE_ERROR) {
		r->consec_errors++;
		notef("item '%s': error: %s", j->it->id, smp.error);
	} else {
		r->consec_errors = 0;
	}
	rc = 0;
out:
	graded_release(&gr);
	buf_release(&line);
	return rc;
}

static void set_stop(struct run_state *r, int why, const char *fmt, ...) PRINTF_LIKE(3, 4);

static void set_stop(struct run_state *r, int why, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (r->stop)
		return;
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	secret_scrub(&b);
	r->stop = why;
	r->stop_reason = buf_detach(&b, NULL);
}

static void end_job(struct run_state *r, struct job *j)
{
	if (j->state == J_FLIGHT)
		r->inflight--;
	run_job_release(r, j);
	r->active--;
}

/* The item is over, one way or the other. */
static void complete(struct run_state *r, struct job *j, struct answer *ans, const char *err)
{
	if (finish(r, j, ans, err) < 0)
		set_stop(r, 2, "cannot write '%s/samples.jsonl'", r->st.dir);
	end_job(r, j);
	if (!r->stop && r->o->max_errors && too_many_errors(r))
		set_stop(r, 3, "%zu errors, more than --max-errors %s", r->errors, r->o->max_errors);
	if (!r->stop && !r->o->max_errors && r->ok + r->unparsed == 0 &&
	    r->consec_errors >= (size_t)(r->conc * 2 > 8 ? r->conc * 2 : 8))
		set_stop(r, 4, "the first %zu items all failed (the last: %s); stopping: check the "
			 "model and the endpoint (or set --max-errors to go on)", r->consec_errors,
			 err ? err : "error");
}

static void outcome(struct run_state *r, struct job *j, enum outcome o, struct answer *ans,
		    const struct verdict *v)
{
	double now = mono_now();
	struct retry_plan pl;
	char *msg;

	if (o == OUT_OK) {
		if (r->lim.tok.rate > 0 && ans->in_tokens >= 0)
			limiter_settle(&r->lim, j->est_tokens,
				       (double)ans->in_tokens + (double)(ans->out_tokens > 0 ? ans->out_tokens : 0),
				       now);
		complete(r, j, ans, NULL);
		return;
	}
	msg = xstrdup(v && v->message ? v->message : "failed");
	free(j->error);
	j->error = msg;
	retry_decide(o, v, j->attempts, r->o->retries, r->o->max_retry_wait, &r->rng, &pl);
	if (pl.action == RETRY_STOP) {
		struct buf e = BUF_INIT;
		buf_addf(&e, "%s (the run is stopped)", msg);
		set_stop(r, 2, "item '%s': %s", j->it->id, msg);
		complete(r, j, NULL, buf_cstr(&e));
		buf_release(&e);
	} else if (pl.action == RETRY_FAIL) {
		complete(r, j, NULL, pl.why);
	} else {
		if (pl.pause)
			limiter_pause(&r->lim, now + pl.delay);
		if (j->state == J_FLIGHT)
			r->inflight--;
		j->state = J_WAIT;
		j->due = now + pl.delay;
		r->retries++;
		notef("item '%s': attempt %d failed, retrying in %.2f s: %s", j->it->id, j->attempts,
		      pl.delay, msg);
	}
	retry_plan_release(&pl);
}

/* ---- starting ---- */

static void start(struct run_state *r, struct job *j)
{
	struct request rq;
	double now = mono_now();

	j->attempts++;
	snprintf(j->tag, sizeof(j->tag), "%zu-%d", j->seq, j->attempts);
	run_build_request(r, j, &rq);
	limiter_take(&r->lim, j->est_tokens, now);
	r->requests++;
	j->t_start = now;
	if (r->m->ops->answer) {
		struct answer a;
		answer_init(&a);
		j->state = J_FLIGHT;
		r->inflight++;
		if (r->m->ops->answer(r->m, &rq, &a) < 0) {
			struct verdict v;
			memset(&v, 0, sizeof(v));
			v.outcome = OUT_ITEM;
			v.message = xstrdup(a.error ? a.error : "the adapter failed");
			outcome(r, j, OUT_ITEM, NULL, &v);
			verdict_release(&v);
		} else {
			outcome(r, j, OUT_OK, &a, NULL);
		}
		answer_release(&a);
		return;
	}
	if (r->m->ops->build) {
		http_call_release(&j->call);
		if (r->m->ops->build(r->m, &rq, &j->call) < 0) {
			j->state = J_FLIGHT;
			r->inflight++;
			free(j->error);
			j->error = xstrdup("cannot build the request");
			complete(r, j, NULL, "cannot build the request");
			return;
		}
		j->x.url = j->call.url;
		j->x.headers = j->call.headers;
		j->x.nheaders = j->call.nheaders;
		j->x.body = buf_cstr(&j->call.body);
		j->x.body_len = j->call.body.len;
		j->x.refs = j->call.refs.v;
		j->x.nrefs = j->call.refs.n;
		j->x.stream = j->call.stream;
		j->x.ctx = j;
		httpq_submit(&r->q, &j->x);
		j->state = J_FLIGHT;
		r->inflight++;
		return;
	}
	j->state = J_FLIGHT;
	r->inflight++;
	if (r->m->ops->submit(r->m, &rq) < 0) {
		struct verdict v;
		memset(&v, 0, sizeof(v));
		v.delay = -1;
		v.message = xstrdup("cannot hand the request to the worker");
		outcome(r, j, OUT_RETRY, NULL, &v);
		verdict_release(&v);
	}
}

static struct job *job_by_tag(struct run_state *r, const char *tag)
{
	size_t i;

	for (i = 0; i < r->njobs; i++)
		if (r->jobs[i].state == J_FLIGHT && !strcmp(r->jobs[i].tag, tag))
			return &r->jobs[i];
	return NULL;
}

static void on_worker_done(void *ctx, const char *tag, struct answer *a, const struct verdict *v)
{
	struct run_state *r = ctx;
	struct job *j = job_by_tag(r, tag);
	double d;

	if (!j)
		return;
	d = mono_now() - j->t_start;
	j->t_net += d;
	r->busy += d;
	if (a)
		outcome(r, j, OUT_OK, a, NULL);
	else
		outcome(r, j, v->outcome, NULL, v);
}

static void on_http_done(struct run_state *r, struct httpq_xfer *x)
{
	struct job *j = x->ctx;
	struct http_reply rep;
	struct answer a;
	struct verdict v;
	enum outcome o;

	j->t_net += x->t_done - x->t_start;
	r->busy += x->t_done - x->t_submit;
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
	debugf("item '%s' attempt %d: HTTP %ld, curl %d, %.3f s (%s connection), %zu bytes",
	       j->it->id, j->attempts, x->status, x->curl_code, x->t_done - x->t_start,
	       x->new_conns ? "new" : "reused", x->resp.len);
	o = r->m->ops->parse(r->m, &rep, &a, &v);
	/* the request body is not needed any more (a retry rebuilds it) */
	http_call_release(&j->call);
	httpq_xfer_release(&j->x);
	outcome(r, j, o, &a, &v);
	answer_release(&a);
	verdict_release(&v);
}

/* ---- the loop ---- */

/*
 * What preparing a job gave: < 0 a prompt that cannot be rendered stops the
 * run (returns -1); > 0 the item fails with the job's error; 0 it is ready
 * to send. Returns rc.
 */
static int after_prepare(struct run_state *r, struct job *j, int rc)
{
	if (rc < 0) {
		r->usage_error = 1;
		set_stop(r, 2, "item '%s': cannot render the prompt", j->it->id);
		end_job(r, j);
		return -1;
	}
	if (rc > 0) {
		char *e = xstrdup(j->error ? j->error : "cannot prepare the request");
		complete(r, j, NULL, e);
		free(e);
	}
	return rc;
}

static struct job *free_slot(struct run_state *r)
{
	size_t i;

	for (i = 0; i < r->njobs; i++)
		if (r->jobs[i].state == J_FREE)
			return &r->jobs[i];
	return NULL;
}

/* Start what may start; returns seconds until something else may (or 1). */
static double dispatch(struct run_state *r)
{
	double next = 1.0;

	while (!r->stop && (long)r->inflight < r->conc) {
		struct job *best = NULL;
		double now = mono_now(), w;
		size_t i;
		for (i = 0; i < r->njobs; i++) {
			struct job *j = &r->jobs[i];
			if (j->state == J_READY || (j->state == J_WAIT && j->due <= now)) {
				if (!best || j->seq < best->seq)
					best = j;
			} else if (j->state == J_WAIT && j->due - now < next) {
				next = j->due - now;
			}
		}
		if (!best)
			break;
		w = limiter_wait(&r->lim, best->est_tokens, now);
		if (w > 0) {
			if (w < next)
				next = w;
			break;
		}
		start(r, best);
		next = 0;
	}
	return next < 0 ? 0 : next;
}

/*
 * Fill the window. While requests are in flight, at most ADMIT_BATCH items
 * a turn, so that the poll runs in between (connections complete, replies
 * are read, bodies go on) rather than after the whole window is prepared;
 * returns 1 when items were left for the next turn (which then does not
 * wait).
 */
#define ADMIT_BATCH 16

static int admit(struct run_state *r)
{
	size_t n = 0;

	while (!r->stop && r->next_todo < r->ntodo && r->active < r->njobs) {
		struct job *j;
		int rc;
		if (r->inflight && n++ >= ADMIT_BATCH)
			return 1;
		j = free_slot(r);
		if (!j || interrupted)
			break;
		run_progress(r, 0);
		memset(j, 0, sizeof(*j));
		j->it = &r->s.items[r->todo_idx[r->next_todo] / (size_t)r->repeats];
		j->repeat = (long)(r->todo_idx[r->next_todo++] % (size_t)r->repeats);
		j->seq = ++r->seq;
		j->t_admit = mono_now();
		buf_init(&j->prompt, BUF_MAX_DEFAULT);
		j->state = J_READY;
		r->active++;
		rc = run_prepare_begin(r, j);
		if (rc == 2)
			continue;   /* its frames are on the way */
		j->t_ready = mono_now();
		rc = after_prepare(r, j, rc);
		if (rc < 0)
			return 0;
		if (rc == 0 && (long)r->inflight < r->conc)
			dispatch(r);   /* a free slot: send it now, before preparing the rest of the window */
	}
	return 0;
}

static struct job *job_by_seq(struct run_state *r, size_t seq)
{
	size_t i;

	for (i = 0; i < r->njobs; i++)
		if (r->jobs[i].state == J_MEDIA && r->jobs[i].seq == seq)
			return &r->jobs[i];
	return NULL;
}

/* Frame sets from the pool: finish preparing their jobs. */
static void take_frames(struct run_state *r)
{
	struct fpool_result res;

	while (r->pool && fpool_take(r->pool, &res)) {
		struct job *j = job_by_seq(r, (size_t)(uintptr_t)res.tag);
		int rc;
		r->frames_pending--;
		if (!j || r->stop) {
			fpool_result_release(&res);   /* its job is gone */
			continue;
		}
		r->fsets++;
		r->fseconds += res.seconds;
		if (res.source == FCACHE_DECODED)
			r->fdecoded++;
		else if (res.source == FCACHE_DISK)
			r->fdisk++;
		else
			r->fmemory++;
		if (!res.fs) {
			char *e = xasprintf("frames: %s", res.error ? res.error : "extraction failed");
			fpool_result_release(&res);
			j->state = J_READY;
			j->t_ready = mono_now();
			complete(r, j, NULL, e);
			free(e);
			continue;
		}
		j->fs = res.fs;
		res.fs = NULL;
		fpool_result_release(&res);
		rc = run_prepare_finish(r, j);
		j->state = J_READY;
		j->t_ready = mono_now();
		if (after_prepare(r, j, rc) < 0)
			return;
	}
}

static void cancel_all(struct run_state *r)
{
	size_t i;

	for (i = 0; i < r->njobs; i++) {
		struct job *j = &r->jobs[i];
		if (j->state == J_FREE)
			continue;
		if (j->state == J_FLIGHT) {
			if (r->m->ops->build)
				httpq_cancel(&r->q, &j->x);
			else if (r->m->ops->cancel)
				r->m->ops->cancel(r->m, j->tag);
		}
		end_job(r, j);
	}
}

static void drain_signals(void)
{
	char b[64];

	while (sigpipe_fd[0] >= 0 && read(sigpipe_fd[0], b, sizeof(b)) > 0)
		;
}

static int loop(struct run_state *r)
{
	struct curl_waitfd fds[MAX_WAITFDS];

	r->t0 = mono_now();
	for (;;) {
		unsigned nfds = 0;
		double wait;
		int timeout_ms, more;
		struct httpq_xfer *x;

		if (interrupted)
			set_stop(r, 1, "interrupted");
		if (r->stop)
			break;
		more = admit(r);
		if (r->stop)
			break;
		if (!r->active && r->next_todo >= r->ntodo)
			break;
		wait = dispatch(r);
		if (r->judge) {
			double jw = judge_stage_dispatch(r->judge);
			if (jw < wait)
				wait = jw;
		}
		run_progress(r, 0);
		if (r->stop)
			break;
		if (!r->active && r->next_todo >= r->ntodo)
			break;
		timeout_ms = (int)(wait * 1000) + (wait > 0 ? 1 : 0);
		if (timeout_ms > 1000)
			timeout_ms = 1000;
		if (r->progress && timeout_ms > 250)
			timeout_ms = 250;
		if (more)
			timeout_ms = 0;
		if (sigpipe_fd[0] >= 0) {
			fds[nfds].fd = sigpipe_fd[0];
			fds[nfds].events = CURL_WAIT_POLLIN;
			fds[nfds].revents = 0;
			nfds++;
		}
		if (r->pool) {
			fds[nfds].fd = fpool_fd(r->pool);
			fds[nfds].events = CURL_WAIT_POLLIN;
			fds[nfds].revents = 0;
			nfds++;
		}
		if (r->m->ops->waitfds)
			nfds += (unsigned)r->m->ops->waitfds(r->m, fds + nfds, MAX_WAITFDS - nfds);
		if (r->judge)
			nfds += judge_stage_waitfds(r->judge, fds + nfds, MAX_WAITFDS - nfds);
		if (httpq_poll(&r->q, timeout_ms, fds, nfds) < 0) {
			set_stop(r, 2, "the HTTP queue failed");
			break;
		}
		drain_signals();
		take_frames(r);
		/*
		 * Each reply's slot is refilled as soon as it is handled, not after
		 * the whole batch: a wave of replies arriving together would
		 * otherwise keep the first freed slots idle while the rest are
		 * parsed, graded and written.
		 */
		while ((x = httpq_done(&r->q))) {
			if (r->judge && judge_stage_take(r->judge, x))
				continue;
			on_http_done(r, x);
			if (!interrupted)
				dispatch(r);
		}
		if (r->m->ops->service)
			r->m->ops->service(r->m, mono_now(), on_worker_done, r);
		if (r->judge)
			judge_stage_service(r->judge);
	}
	r->t_loop = mono_now() - r->t0;
	cancel_all(r);
	run_progress_end(r);
	return 0;
}

/* ---- setup ---- */

static void set_layout(struct run_state *r)
{
	const cJSON *e;

	r->nlayout = 0;
	cJSON_ArrayForEach(e, r->p->layout)
		if (cJSON_IsString(e) && r->nlayout < ARRAY_SIZE(r->layout))
			r->layout[r->nlayout++] = e->valuestring;
	if (!r->nlayout) {
		r->layout[0] = "images";
		r->layout[1] = "frames";
		r->layout[2] = "text";
		r->nlayout = 3;
	}
	for (size_t i = 0; i < r->nlayout; i++)
		if (!strcmp(r->layout[i], "frames"))
			r->layout_frames = 1;
}

/* The protocol's frame plan, and whether any item needs frames. */
static int setup_frames(struct run_state *r)
{
	char where[512];
	size_t i;
	int any = 0;

	snprintf(where, sizeof(where), "'%s': protocol '%s'", r->s.spec_path, r->p->name);
	frame_plan_init(&r->plan);
	if (frame_plan_parse(&r->plan, r->p->frames, where) < 0)
		return -1;
	frame_plan_hash(&r->plan, r->plan_hash);
	for (i = 0; i < r->s.nitems && !any; i++)
		any = run_wants_frames(r, &r->s.items[i]);
	r->want_pool = any;
	return 0;
}

/* The frame cache and pool, once the run directory exists (thumbnails go
 * into RUN_DIR/frames). */
static int start_pool(struct run_state *r)
{
	struct fpool_opts po;
	size_t i;

	/* items' own images get thumbnails too, frames or not (harness/run/thumbs.h) */
	for (i = 0; i < r->s.nitems && !r->thumb_dir && !r->o->no_thumbnails && r->media; i++)
		if (r->s.items[i].nimages) {
			r->thumb_dir = path_join(r->st.dir, "frames");
			if (mkdir_p(r->thumb_dir) < 0) {
				warnf("no thumbnails for report.html");
				free(r->thumb_dir);
				r->thumb_dir = NULL;
				break;
			}
			r->thumbs = thumbs_start(r->thumb_dir);
		}
	if (!r->want_pool)
		return 0;
	fcache_init(&r->fc, r->o->cache_dir, r->o->no_cache);
	r->fc_ok = 1;
	memset(&po, 0, sizeof(po));
	po.cache = &r->fc;
	po.workers = (int)r->o->frame_workers;
	if (!r->o->no_thumbnails && r->media && !r->thumb_dir) {
		r->thumb_dir = path_join(r->st.dir, "frames");
		if (mkdir_p(r->thumb_dir) < 0) {
			warnf("no thumbnails for report.html");
			free(r->thumb_dir);
			r->thumb_dir = NULL;
		}
	}
	po.thumb_dir = r->thumb_dir;
	r->pool = fpool_new(&po);
	if (!r->pool)
		return error("cannot start the frame extraction threads");
	return 0;
}

static double num_or0(const cJSON *v)
{
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* The run's last words on stderr: one line, whatever the exit status. */
static void print_summary(const struct run_state *r, const struct buf *results)
{
	cJSON *j = json_parse_raw(buf_cstr(results), results->len);
	const cJSON *ov = json_get(j, "overall"), *sc = json_get(ov, "score");
	char *md = path_join(r->st.dir, "report.md");
	struct buf score = BUF_INIT;

	if (cJSON_IsNumber(sc))
		buf_addf(&score, "overall %.2f", sc->valuedouble);
	else
		buf_adds(&score, "no overall score");
	if (log_get_level() >= LOG_WARN)
		log_raw("steval: %s: %s over %.0f items (%.0f ok, %.0f unparsed, %.0f errors); report: %s\n",
			r->s.name, buf_cstr(&score), num_or0(json_get(ov, "n")), num_or0(json_get(ov, "ok")),
			num_or0(json_get(ov, "unparsed")), num_or0(json_get(ov, "error")), md);
	buf_release(&score);
	free(md);
	cJSON_Delete(j);
}

int run_execute(const struct run_opts *o)
{
	struct run_state r;
	struct sigaction sa, old_int, old_term, old_pipe;
	struct httpq_opts qo;
	const char *suite = o->suite, *model = o->model, *protocol = o->protocol, *data = o->data;
	size_t i, k, n;
	int rc = EXIT_USAGE, signals_set = 0;
	char *mspec = NULL;   /* the model spec with any key in it redacted, for paths and files */

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.st.fd = -1;
	utc_stamp(r.started, wall_now());
	media_cache_init(&r.mc, (size_t)256 << 20);
	if (parse_max_errors(&r, o->max_errors) < 0)
		goto out;
	if (o->resume_dir && run_resolve_from_manifest(&r, &suite, &model, &protocol, &data) < 0)
		goto out;
	if (!suite || !model) {
		error("run: a SUITE and --model are needed (or --resume RUN_DIR)");
		goto out;
	}
	r.seed = (uint64_t)o->seed;
	if (r.resume_manifest && !o->seed_set && cJSON_IsNumber(json_get(r.resume_manifest, "seed")))
		r.seed = (uint64_t)json_get(r.resume_manifest, "seed")->valuedouble;
	r.blind = o->blind;
	if (r.resume_manifest && !o->blind && cJSON_IsTrue(json_get(r.resume_manifest, "blind")))
		r.blind = 1;
	/* the suite's trees live as long as the run: from the arena when the
	 * command enabled it (lib/json.h) */
	json_arena_use(1);
	i = suite_open(&r.s, suite) == 0 && suite_load(&r.s, data) == 0;
	json_arena_use(0);
	if (!i)
		goto out;
	r.s.allow_outside_data = o->allow_outside_data;
	r.p = suite_protocol(&r.s, protocol);
	if (!r.p) {
		error("suite '%s' has no protocol '%s'", r.s.name, protocol);
		goto out;
	}
	r.mo.models_file = o->models_file ? o->models_file : getenv("STEVAL_MODELS");
	r.mo.key_env = o->key_env;
	r.mo.stream = o->stream;
	if (r.resume_manifest) {
		/* resuming: how the run reached its model, unless given again */
		const cJSON *ep = json_get(r.resume_manifest, "endpoint");
		if (!r.mo.models_file)
			r.mo.models_file = json_get_str(r.resume_manifest, "models_file");
		if (!r.mo.key_env && !json_get_str(ep, "name"))
			r.mo.key_env = json_get_str(ep, "key_env");
		if (r.mo.stream < 0 && cJSON_IsBool(json_get(ep, "stream")))
			r.mo.stream = cJSON_IsTrue(json_get(ep, "stream"));
	}
	r.mo.concurrency = o->concurrency;
	r.mo.rpm = o->rpm;
	r.mo.tpm = o->tpm;
	r.mo.body = o->body;
	r.mo.timeout_ms = (long)(o->timeout * 1000);
	if (model_open(&r.m, model, &r.s, &r.mo) < 0)
		goto out;
	mspec = secret_scrub_dup(r.m->spec);
	r.generation = merged_generation(r.p, o->generation);
	if (r.resume_manifest && o->generation && !cJSON_GetArraySize(o->generation) &&
	    cJSON_IsObject(json_get(r.resume_manifest, "generation"))) {
		/* resuming without overrides: the run's own settings */
		cJSON_Delete(r.generation);
		r.generation = cJSON_Duplicate(json_get(r.resume_manifest, "generation"), 1);
	}
	r.media = model_needs_media(r.m) && !r.blind;
	r.conc = model_concurrency(r.m);
	set_layout(&r);
	if (setup_frames(&r) < 0)
		goto out;
	rng_seed_str(&r.rng, r.seed, "dispatch-backoff");
	r.repeats = o->repeats > 0 ? o->repeats : r.p->repeats > 0 ? r.p->repeats : 1;
	if (r.resume_manifest && !o->repeats && cJSON_IsNumber(json_get(r.resume_manifest, "repeats")))
		r.repeats = (long)json_get(r.resume_manifest, "repeats")->valuedouble;
	if (r.repeats < 1 || r.repeats > 1000) {
		error("run: --repeats must be from 1 to 1000, not %ld", r.repeats);
		goto out;
	}
	r.done = xcalloc((r.s.nitems ? r.s.nitems : 1) * (size_t)r.repeats, 1);
	n = r.s.nitems;
	r.limit = o->limit;
	if (r.limit < 0)
		r.limit = r.resume_manifest && cJSON_IsNumber(json_get(r.resume_manifest, "limit")) ?
			  (long)json_get(r.resume_manifest, "limit")->valuedouble : 0;
	if (r.limit > 0 && (size_t)r.limit < n)
		n = (size_t)r.limit;
	if (run_shard_setup(&r, n) < 0)
		goto out;
	if (o->resume_dir) {
		char *sp;
		if (run_check_manifest(&r) < 0)
			goto out;
		if (store_open_dir(&r.st, o->resume_dir, 0) < 0)
			goto out;
		sp = path_join(o->resume_dir, "samples.jsonl");
		if (store_read_jsonl(sp, on_done, &r, NULL) < 0) {
			free(sp);
			goto out;
		}
		free(sp);
	} else if (store_create(&r.st, o->out_root ? o->out_root : "runs", r.s.name,
				mspec) < 0) {
		goto out;
	}
	if (start_pool(&r) < 0)
		goto out;
	r.todo_idx = xcalloc((n ? n : 1) * (size_t)r.repeats, sizeof(*r.todo_idx));
	/* the whole set once, then again for each repeat, as OmniSpatial's
	 * api_eval.py orders its work */
	for (k = 0; k < (size_t)r.repeats; k++)
		for (i = 0; i < n; i++)
			if (!r.done[i * (size_t)r.repeats + k] && run_shard_has(&r, i))
				r.todo_idx[r.ntodo++] = i * (size_t)r.repeats + k;
	r.todo = r.ntodo;
	if (o->judge) {
		/* the judge shares the loop and the queue; it starts with what
		 * is on disk without a verdict (a resumed run) */
		r.judge_o = *o->judge;
		if (!r.judge_o.models_file)
			r.judge_o.models_file = r.mo.models_file;   /* resuming: the run's */
		if (judge_stage_begin(&r.judge, r.st.dir, &r.s, r.p, &r.judge_o) != EXIT_OK)
			goto out;
	}

	memset(&qo, 0, sizeof(qo));
	qo.connect_timeout_ms = (long)(o->connect_timeout * 1000);
	qo.timeout_ms = (long)(o->timeout * 1000);
	qo.idle_timeout_ms = (long)(o->idle_timeout * 1000);
	qo.max_response = (size_t)o->max_response;
	qo.max_inflight = r.conc + (r.judge ? judge_stage_concurrency(r.judge) : 0);
	qo.cainfo = getenv("STEVAL_CA_BUNDLE");
	if (httpq_init(&r.q, &qo) < 0)
		goto out;
	r.q_ok = 1;
	if (r.judge)
		judge_stage_use_queue(r.judge, &r.q);
	limiter_init(&r.lim, r.m->ep.rpm, r.m->ep.tpm, mono_now());
	r.njobs = (size_t)r.conc * 2 + 8;
	r.jobs = xcalloc(r.njobs, sizeof(*r.jobs));
	r.progress = o->progress >= 0 ? o->progress :
		     (isatty(2) && log_get_level() >= LOG_WARN);
	if (run_write_manifest(&r, "running") < 0)
		goto out;

	if (pipe(sigpipe_fd) == 0) {
		for (i = 0; i < 2; i++) {
			fcntl(sigpipe_fd[i], F_SETFL, fcntl(sigpipe_fd[i], F_GETFL) | O_NONBLOCK);
			fcntl(sigpipe_fd[i], F_SETFD, FD_CLOEXEC);
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old_pipe);
	signals_set = 1;
	interrupted = 0;

	loop(&r);
	thumbs_finish(r.thumbs);   /* report.html links them */
	r.thumbs = NULL;

	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	signals_set = 0;
	store_sync(&r.st);
	if (r.placeholders)
		warnf("%zu items' prompts print video facts but their videos are not at hand: the "
		      "facts were sent as placeholders (<video.duration>, ...)", r.placeholders);
	rc = EXIT_OK;
	if (r.usage_error) {
		rc = EXIT_USAGE;
	} else if (r.stop == 1) {
		warnf("interrupted: %zu of %zu items finished and saved; continue with "
		      "'steval run --resume %s'", r.finished, r.todo, r.st.dir);
		rc = EXIT_INCOMPLETE;
	} else if (r.stop) {
		error("%s; %zu of %zu items finished and saved; continue with 'steval run --resume "
		      "%s'", r.stop_reason, r.finished, r.todo, r.st.dir);
		rc = EXIT_INCOMPLETE;
	} else if (r.errors && (o->max_errors ? too_many_errors(&r) : 1)) {
		error("%zu of %zu items failed (no answer); 'steval run --resume %s' retries them",
		      r.errors, r.todo, r.st.dir);
		rc = EXIT_INCOMPLETE;
	}
	if (r.judge) {
		/* what the judge has not finished while the model answered; its
		 * failures make the run incomplete, not failed */
		int go_on = !r.usage_error && r.stop != 1, jrc;
		if (go_on)
			run_write_manifest(&r, "judging");
		jrc = judge_stage_end(r.judge, go_on, NULL);
		r.judge = NULL;
		if (jrc != EXIT_OK && rc == EXIT_OK)
			rc = jrc;
	}
	/* the final status first, so the reports show it */
	run_write_manifest(&r, rc == EXIT_OK ? (r.errors ? "finished-with-errors" : "finished") :
		       r.stop == 1 ? "interrupted" : rc == EXIT_INCOMPLETE ? "incomplete" : "failed");
	judge_manifest_merge(r.st.dir);   /* a judged run keeps its judge's record */
	{
		struct buf res = BUF_INIT;
		if (summary_write(r.st.dir, &r.s, r.p, mspec, "official", &res) < 0) {
			if (rc == EXIT_OK)
				rc = EXIT_USAGE;
		} else {
			print_summary(&r, &res);
		}
		buf_release(&res);
	}
	if (rc == EXIT_OK || rc == EXIT_INCOMPLETE)
		printf("%s\n", r.st.dir);
out:
	if (signals_set) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		sigaction(SIGPIPE, &old_pipe, NULL);
	}
	for (i = 0; i < 2; i++)
		if (sigpipe_fd[i] >= 0) {
			close(sigpipe_fd[i]);
			sigpipe_fd[i] = -1;
		}
	if (r.jobs) {
		for (i = 0; i < r.njobs; i++)
			if (r.jobs[i].state != J_FREE)
				run_job_release(&r, &r.jobs[i]);
		free(r.jobs);
	}
	if (r.judge)
		judge_stage_end(r.judge, 0, NULL);
	if (r.q_ok)
		httpq_release(&r.q);
	if (r.pool)
		fpool_free(r.pool);
	if (r.fc_ok)
		fcache_release(&r.fc);
	thumbs_finish(r.thumbs);
	free(r.thumb_dir);
	store_close(&r.st);
	cJSON_Delete(r.generation);
	cJSON_Delete(r.resume_manifest);
	free(r.done);
	free(r.todo_idx);
	free(r.shard_of);
	free(r.stop_reason);
	model_close(r.m);
	media_cache_release(&r.mc);
	suite_release(&r.s);
	secret_clear();
	free(mspec);
	return rc;
}
