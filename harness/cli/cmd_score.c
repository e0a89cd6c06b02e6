/*
 * cmd_score.c: `steval score`, scoring stored predictions offline.
 *
 * Accepted prediction files (format told from each record):
 *   steval samples.jsonl           {"id", "response", "status", ...}
 *   VLM4D / MLLM-4D output JSON    [{"id", "question", "choices", "response",
 *                                    "correct"?, "extracted_answer"?}, ...]
 *   lmms-eval samples JSONL        {"doc_id", "doc": {...}, "resps", "filtered_resps"}
 *   plain JSONL or JSON            {"id", "response"}  (also "prediction", "output",
 *                                   "model_out", "pred")
 * Predictions join to items by steval's item id, else by the source id.
 * When several items share a source id (VLM4D's ids restart in each file)
 * the question text decides, else the prediction file's path (it names one
 * source file), else the source file all of the file's other predictions
 * joined to. Within one source file ids are unique, so a joined prediction
 * whose question text differs is kept and the difference reported
 * (results.json "inputs"); --strict-join keeps the older rule (the text must
 * be the same when the id is shared).
 */
#include "lib/common.h"
#include "harness/cli/commands.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "harness/cli/judge_opts.h"
#include "harness/cli/opt.h"
#include "harness/run/sample.h"
#include "lib/store.h"
#include "harness/run/summary.h"
#include "lib/util.h"
#include "lib/xalloc.h"
#include "scorers/grade.h"
#include "suites/reader.h"
#include "suites/suite.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>

struct by_source {
	const char *source_id;
	const struct item *it;
};

struct score_ctx {
	struct suite *s;
	const struct protocol *p;
	struct store *st;
	struct by_source *idx;
	size_t nidx;
	int verdicts;
	uint64_t seed;
	const char *file;
	char *file_stem;
	unsigned char *seen;
	int *deferring;            /* set by join() when the file's split may decide */
	size_t matched, unmatched, dups, noverdict, ambiguous, noanswer;
	int failed;
	int strict_join;
	/* the file being read */
	struct file_stats {
		size_t records, joined, unknown, ambiguous, differs, own_options;
		struct buf first;      /* JSON array of the first few differences */
		struct buf drops;      /* JSON array of the first few drops */
		size_t ndrops_listed;
	} fs;
	const struct item **joined_items;   /* this file's joins, for its split */
	size_t njoined, ajoined;
	struct deferred { cJSON *rec; size_t where; } *later;
	size_t nlater, alater;
	struct buf inputs;         /* JSON array: one object per file */
	struct buf lines;          /* samples.jsonl lines not yet written */
	size_t nlines;
	struct summary_rows *rows; /* what samples.jsonl holds, for the summary (no judge) */
	struct batch *bat[2];      /* predictions being graded: batch_turn() */
	int cur;                   /* the one that fills */
};

/* samples.jsonl is written in large pieces: score makes the whole file anew
 * each time (nothing resumes from a half-written one). */
#define SCORE_WRITE_CHUNK ((size_t)256 << 10)   /* in memory already touched */

/* A tree of the arena frees nothing: it is left to the end of the process. */
static void tree_free(cJSON *t)
{
	if (t && !json_arena_owns(t))
		cJSON_Delete(t);
}

static int flush_lines(struct score_ctx *c)
{
	int rc = 0;

	if (c->lines.len && store_append_lines(c->st, c->lines.data, c->lines.len, c->nlines) < 0) {
		c->failed = 1;
		rc = -1;
	}
	buf_reset(&c->lines);
	c->nlines = 0;
	return rc;
}

static int cmp_src(const void *a, const void *b)
{
	return strcmp(((const struct by_source *)a)->source_id, ((const struct by_source *)b)->source_id);
}

static void build_index(struct score_ctx *c)
{
	size_t i;

	c->nidx = c->s->nitems;
	c->idx = xcalloc(c->nidx ? c->nidx : 1, sizeof(*c->idx));
	for (i = 0; i < c->nidx; i++) {
		c->idx[i].source_id = c->s->items[i].source_id;
		c->idx[i].it = &c->s->items[i];
	}
	qsort(c->idx, c->nidx, sizeof(*c->idx), cmp_src);
}

/* Text of a value for joining (ids may be numbers). */
static int value_text(const cJSON *v, struct buf *out)
{
	if (!v || cJSON_IsNull(v) || cJSON_IsObject(v) || cJSON_IsArray(v))
		return 0;
	json_pystr(v, out);
	return 1;
}

static const struct item *join(struct score_ctx *c, const cJSON *rec, const cJSON *doc)
{
	struct buf id = BUF_INIT, q = BUF_INIT;
	const struct item *it = NULL, *cands[64];
	const cJSON *qv;
	size_t lo, hi, n = 0, i;

	if (!value_text(json_get(rec, "id"), &id) && !(doc && value_text(json_get(doc, "id"), &id)) &&
	    !value_text(json_get(rec, "question_id"), &id) && !value_text(json_get(rec, "ID"), &id))
		goto out;
	if ((it = suite_item(c->s, buf_cstr(&id))))
		goto out;
	/* STI-Bench's official output: "id" is the video, "id_file" the ID */
	if (json_get(rec, "id_file")) {
		struct buf u = BUF_INIT;
		buf_addbuf(&u, &id);
		buf_addch(&u, '#');
		value_text(json_get(rec, "id_file"), &u);
		it = suite_item(c->s, buf_cstr(&u));
		buf_release(&u);
		if (it)
			goto out;
	}
	/* every item with this source id */
	lo = 0;
	hi = c->nidx;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(c->idx[mid].source_id, buf_cstr(&id)) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < c->nidx && !strcmp(c->idx[i].source_id, buf_cstr(&id)); i++)
		if (n < ARRAY_SIZE(cands))
			cands[n++] = c->idx[i].it;
	if (n == 1) {
		it = cands[0];
		goto out;
	}
	if (!n)
		goto out;
	qv = json_get(rec, "question");
	if (!qv && doc)
		qv = json_get(doc, "question");
	if (!qv)
		qv = json_get(rec, "que");
	if (value_text(qv, &q)) {
		const struct item *hit = NULL;
		size_t hits = 0;
		for (i = 0; i < n; i++)
			if (!strcmp(cands[i]->question, buf_cstr(&q))) {
				hit = cands[i];
				hits++;
			}
		if (hits == 1) {
			it = hit;
			goto out;
		}
		if (hits > 1) {
			/* same question in several files: the prediction file's name decides */
			for (i = 0; i < n; i++)
				if (!strcmp(cands[i]->question, buf_cstr(&q)) && c->file_stem &&
				    strstr(c->file_stem, cands[i]->stem)) {
					it = cands[i];
					goto out;
				}
		}
	}
	if (!c->strict_join) {
		/* the prediction file's path names one of the source files
		 * (".../real_mc_cot/model.json") */
		const struct item *hit = NULL;
		size_t hits = 0;
		for (i = 0; i < n; i++)
			if (cands[i]->stem && *cands[i]->stem && strstr(c->file, cands[i]->stem)) {
				if (!hit || hit->stem != cands[i]->stem)
					hits++;
				hit = cands[i];
			}
		if (hits == 1) {
			it = hit;
			goto out;
		}
		/* the split of the file's other predictions decides, at its end */
		if (c->deferring) {
			*c->deferring = 1;
			goto out;
		}
	}
	c->ambiguous++;
out:
	buf_release(&id);
	buf_release(&q);
	return it;
}

/* The model's raw answer from any known record shape; NULL if none. */
static const char *response_of(const cJSON *rec, int *is_error)
{
	static const char *const keys[] = { "response", "prediction", "model_out", "output", "pred" };
	const cJSON *v;
	const char *st = json_get_str(rec, "status");
	size_t i;

	*is_error = st && !strcmp(st, "error");
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		v = json_get(rec, keys[i]);
		if (cJSON_IsString(v))
			return v->valuestring;
		if (v && cJSON_IsNull(v) && *is_error)
			return NULL;
	}
	/* lmms-eval: filtered_resps ["text"] or resps [["text"]] */
	v = json_get(rec, "filtered_resps");
	if (!v)
		v = json_get(rec, "resps");
	while (cJSON_IsArray(v) && v->child)
		v = v->child;
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The question a prediction carries (VLM4D, lmms-eval doc, STI "que"). */
static const char *pred_question(const cJSON *rec)
{
	const cJSON *doc = json_get(rec, "doc"), *qv = json_get(rec, "question");

	if (!qv && cJSON_IsObject(doc))
		qv = json_get(doc, "question");
	if (!qv)
		qv = json_get(rec, "que");
	return cJSON_IsString(qv) ? qv->valuestring : NULL;
}

static void note_drop(struct score_ctx *c, const cJSON *rec, size_t where, const char *reason)
{
	struct buf id = BUF_INIT;
	struct jw w;

	value_text(json_get(rec, "id"), &id);
	if (c->unmatched++ < 5)
		warnf("'%s': record %zu (id '%s') matches no item of suite '%s': %s", c->file, where,
		      buf_cstr(&id), c->s->name, reason);
	if (c->fs.ndrops_listed++ < 5) {
		jw_init(&w, &c->fs.drops, 0);
		if (c->fs.drops.len)
			buf_addch(&c->fs.drops, ',');
		jw_obj(&w);
		jw_key(&w, "record");
		jw_int(&w, (long long)where);
		jw_key(&w, "id");
		jw_str(&w, buf_cstr(&id));
		jw_key(&w, "reason");
		jw_str(&w, reason);
		jw_end(&w);
	}
	buf_release(&id);
}

static int grade_pred(struct score_ctx *c, cJSON *rec, size_t where, const struct item *it);

static int on_pred(cJSON *rec, size_t where, void *vctx)
{
	struct score_ctx *c = vctx;
	const cJSON *doc = json_get(rec, "doc");
	const struct item *it;
	size_t amb = c->ambiguous;
	int defer = 0;

	c->fs.records++;
	c->deferring = &defer;
	it = join(c, rec, cJSON_IsObject(doc) ? doc : NULL);
	c->deferring = NULL;
	if (!it && defer) {
		ALLOC_GROW(c->later, c->nlater + 1, c->alater);
		c->later[c->nlater].rec = rec;
		c->later[c->nlater++].where = where;
		return 0;
	}
	if (!it) {
		if (c->ambiguous > amb) {
			c->fs.ambiguous++;
			note_drop(c, rec, where, "its id is in several source files and neither the question, "
				  "the file's path nor the file's other predictions tell which");
		} else {
			c->fs.unknown++;
			note_drop(c, rec, where, "no item has this id");
		}
		tree_free(rec);
		return 0;
	}
	return grade_pred(c, rec, where, it);
}

/* The deferred records of a file: joined to the source file that all of
 * the file's other predictions joined to, when there is exactly one. */
static int resolve_later(struct score_ctx *c)
{
	const char *stem = NULL;
	size_t i, k;
	int rc = 0;

	for (i = 0; i < c->njoined; i++) {
		if (!stem)
			stem = c->joined_items[i]->stem;
		else if (strcmp(stem, c->joined_items[i]->stem ? c->joined_items[i]->stem : ""))
			break;
	}
	if (i < c->njoined)
		stem = NULL;
	for (k = 0; k < c->nlater; k++) {
		cJSON *rec = c->later[k].rec;
		const struct item *it = NULL;
		struct buf id = BUF_INIT;
		const cJSON *doc = json_get(rec, "doc");
		if (stem && (value_text(json_get(rec, "id"), &id) ||
			     (cJSON_IsObject(doc) && value_text(json_get(doc, "id"), &id)))) {
			for (i = 0; i < c->nidx; i++)
				if (!strcmp(c->idx[i].source_id, buf_cstr(&id)) && c->idx[i].it->stem &&
				    !strcmp(c->idx[i].it->stem, stem)) {
					it = c->idx[i].it;
					break;
				}
		}
		buf_release(&id);
		if (!it) {
			c->ambiguous++;
			c->fs.ambiguous++;
			note_drop(c, rec, c->later[k].where,
				  "its id is in several source files and neither the question, the file's path "
				  "nor the file's other predictions tell which");
			tree_free(rec);
			continue;
		}
		if (rc == 0 && grade_pred(c, rec, c->later[k].where, it) < 0)
			rc = -1;
		else if (rc)
			tree_free(rec);
	}
	c->nlater = 0;
	return rc;
}

/*
 * The item as the prediction's model saw it: VLM4D-style files carry their
 * own "choices" and "ground_truth_answer", and a file made on an earlier
 * revision may have other option texts or another truth (grok-2-vision's
 * synthetic files: 18 items). When they differ, the extractors and the
 * metric grade against the file's options and truth (the judge's verdicts
 * were made on them); the item keeps its id, category and split. Returns 1
 * and fills *seen (opts owned by the caller, texts borrowed from rec or
 * owned in *texts) when it did so.
 */
struct seen_item {
	struct item it;
	struct option opts[8];
	struct buf text[8], answer;
};

/* 1 when every option and the truth are strings equal to the item's (the
 * str() of a string is itself); 0 when anything differs or is not a string. */
static int same_strings(const struct item *it, const cJSON *ch, const cJSON *gt)
{
	size_t i;

	if (!cJSON_IsString(gt) || strcmp(gt->valuestring, it->answer ? it->answer : ""))
		return 0;
	for (i = 0; i < it->nopt; i++) {
		const cJSON *v = json_get(ch, it->opts[i].letter);
		if (!cJSON_IsString(v) || strcmp(v->valuestring, it->opts[i].text ? it->opts[i].text : ""))
			return 0;
	}
	return 1;
}

static int as_seen(const struct item *it, const cJSON *rec, struct seen_item *si)
{
	const cJSON *ch = json_get(rec, "choices"), *gt = json_get(rec, "ground_truth_answer");
	size_t i;
	int differs = 0;

	if (!it->type || it->type->kind != ANS_TEXT || !cJSON_IsObject(ch) || !gt || cJSON_IsObject(gt) ||
	    cJSON_IsArray(gt) || !it->nopt || it->nopt > ARRAY_SIZE(si->opts) ||
	    (size_t)cJSON_GetArraySize(ch) != it->nopt)
		return 0;
	if (same_strings(it, ch, gt))
		return 0;   /* the usual case, told without building the texts */
	memset(si, 0, sizeof(*si));
	for (i = 0; i < it->nopt; i++) {
		const cJSON *v = json_get(ch, it->opts[i].letter);
		if (!v || cJSON_IsObject(v) || cJSON_IsArray(v))
			goto no;
		buf_init(&si->text[i], BUF_MAX_DEFAULT);
		json_pystr(v, &si->text[i]);
		if (strcmp(buf_cstr(&si->text[i]), it->opts[i].text ? it->opts[i].text : ""))
			differs = 1;
	}
	buf_init(&si->answer, BUF_MAX_DEFAULT);
	json_pystr(gt, &si->answer);
	if (strcmp(buf_cstr(&si->answer), it->answer ? it->answer : ""))
		differs = 1;
	if (!differs)
		goto no;
	si->it = *it;
	si->it.opts = si->opts;
	si->it.answer = (char *)buf_cstr(&si->answer);
	for (i = 0; i < it->nopt; i++) {
		si->opts[i] = it->opts[i];
		si->opts[i].text = (char *)buf_cstr(&si->text[i]);
		si->opts[i].label = si->opts[i].text;
		si->opts[i].value = json_get(ch, it->opts[i].letter);
	}
	{
		/* the letters whose text is the truth, as the suite resolves them */
		size_t n = 0;
		for (i = 0; i < it->nopt && n + 1 < sizeof(si->it.accepted); i++)
			if (!strcmp(si->opts[i].text, si->it.answer))
				si->it.accepted[n++] = si->opts[i].letter[0];
		si->it.accepted[n] = '\0';
	}
	return 1;
no:
	for (i = 0; i < ARRAY_SIZE(si->text); i++)
		buf_release(&si->text[i]);
	buf_release(&si->answer);
	return 0;
}

static void seen_release(struct seen_item *si)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(si->text); i++)
		buf_release(&si->text[i]);
	buf_release(&si->answer);
}

/*
 * Grading runs in batches over the cores. What the join decided and what it
 * counts (seen, duplicates, text differences) is settled in file order as
 * each prediction arrives (grade_pred); the extractors, the metric and the
 * samples.jsonl line of each prediction (grade_one) run on any thread; the
 * lines and the summary rows are then taken in file order (batch_finish), so
 * samples.jsonl is the same byte for byte whatever the number of threads.
 * Two batches take turns: while worker threads grade a full one
 * (batch_start), this thread finishes the one before it (helps grade it,
 * then takes its lines) and joins the next predictions into it, so the work
 * only this thread can do overlaps the grading.
 */
#define BATCH_MAX 512          /* predictions graded together: the jobs'
				  memory (some 1.8 KB each) is used again */
#define BATCH_THREADS_MAX 8
#define BATCH_MIN_PER_THREAD 16

struct gjob {
	cJSON *rec;
	size_t where;
	const struct item *it;
	const char *pq, *resp;
	long repeat;
	int seen, failed, noverdict;
	size_t thread, line_off, line_len;   /* the line, in that thread's buffer */
	struct seen_item si;
	struct graded gr;
	struct grade vg;       /* the stored verdict as a grade (--verdicts) */
	struct sample smp;
};

struct gworker {
	struct batch *b;
	size_t t;
};

struct batch {
	struct gjob jobs[BATCH_MAX];
	size_t n;
	atomic_size_t next;    /* the next job to take */
	struct buf line[BATCH_THREADS_MAX];   /* per thread: 0 is this one */
	size_t nthreads;       /* of the command: cpu_threads(), at most the maximum */
	pthread_t tid[BATCH_THREADS_MAX];
	struct gworker w[BATCH_THREADS_MAX];
	size_t started;        /* worker threads 1..started grade it */
	int running;           /* batch_start()ed, not yet finished */
	const struct score_ctx *c;
};

/* Grades job J and writes its line to buffer T. Reads the context, writes
 * only the job and the buffer. */
static void grade_one(const struct score_ctx *c, struct gjob *j, struct buf *line, size_t t)
{
	struct sample *smp = &j->smp;
	size_t k, rlen = j->resp ? strlen(j->resp) : 0;

	j->seen = !c->strict_join && as_seen(j->it, j->rec, &j->si);
	if (grade_all(c->p, j->seen ? &j->si.it : j->it, j->resp, rlen,
		      c->seed + (uint64_t)(j->repeat > 0 ? j->repeat : 0), 0, &j->gr) < 0) {
		j->failed = 1;
		return;
	}
	sample_init(smp, j->seen ? &j->si.it : j->it);
	smp->repeat = j->repeat;
	smp->question = j->pq;   /* the prediction's own question, when it differs */
	smp->response = j->resp;
	smp->response_len = rlen;
	if (!j->resp)
		smp->error = json_get_str(j->rec, "error") ? json_get_str(j->rec, "error") :
			     "no answer in the prediction file";
	smp->g = &j->gr.main;
	for (k = 0; k < j->gr.nv && k < SAMPLE_MAX_VARIANTS; k++) {
		smp->vnames[k] = j->gr.vnames[k];
		smp->vg[k] = &j->gr.var[k];
	}
	smp->nv = k;
	if (c->verdicts) {
		const cJSON *cor = json_get(j->rec, "correct");
		const char *ext = json_get_str(j->rec, "extracted_answer");
		struct grade *m = &j->gr.main;
		if (!cJSON_IsBool(cor) && !cJSON_IsNumber(cor)) {
			j->noverdict = 1;
			m->status = GRADE_ERROR;
			m->score = 0;
			smp->error = "no 'correct' verdict in the prediction file";
		} else {
			int ok = cJSON_IsBool(cor) ? cJSON_IsTrue(cor) : cor->valuedouble != 0;
			/* the rule-based grading stays beside the verdict as a variant */
			if (smp->nv < SAMPLE_MAX_VARIANTS) {
				memmove(&smp->vnames[1], &smp->vnames[0], smp->nv * sizeof(smp->vnames[0]));
				memmove(&smp->vg[1], &smp->vg[0], smp->nv * sizeof(smp->vg[0]));
				smp->vnames[0] = "rules";
				smp->vg[0] = &j->gr.main;
				smp->nv++;
			}
			smp->verdict = ok;
			smp->verdict_extracted = ext;
			memset(&j->vg, 0, sizeof(j->vg));
			j->vg.status = ext && (!strcmp(ext, "No Valid Answer") || !*ext) ? GRADE_UNPARSED : GRADE_OK;
			j->vg.extracted = (char *)(ext ? ext : "");
			j->vg.rule = -1;
			j->vg.score = ok;
			smp->g = &j->vg;
		}
	}
	j->thread = t;
	j->line_off = line->len;
	sample_to_json(smp, line);
	j->line_len = line->len - j->line_off;
}

static void batch_work(struct batch *b, size_t t)
{
	size_t k;

	while ((k = atomic_fetch_add(&b->next, 1)) < b->n)
		grade_one(b->c, &b->jobs[k], &b->line[t], t);
}

static void *batch_thread(void *arg)
{
	struct gworker *w = arg;

	batch_work(w->b, w->t);
	return NULL;
}

static void job_release(struct gjob *j)
{
	if (!j->failed)
		graded_release(&j->gr);
	if (j->seen)
		seen_release(&j->si);
	tree_free(j->rec);
}

static struct batch *batch_new(void)
{
	struct batch *b = xcalloc(1, sizeof(*b));
	size_t t;

	b->nthreads = cpu_threads();
	if (b->nthreads > BATCH_THREADS_MAX)
		b->nthreads = BATCH_THREADS_MAX;
	for (t = 0; t < b->nthreads; t++)
		buf_init(&b->line[t], (size_t)4 << 30);
	return b;
}

/* Worker threads start grading the batch (none for one thread or a small
 * batch: batch_finish() grades it). */
static void batch_start(const struct score_ctx *c, struct batch *b)
{
	size_t t, want;

	if (!b || !b->n || b->running)
		return;
	for (t = 0; t < b->nthreads; t++)
		buf_reset(&b->line[t]);
	b->c = c;
	atomic_store(&b->next, 0);
	b->started = 0;
	b->running = 1;
	want = b->n / BATCH_MIN_PER_THREAD;
	if (want > b->nthreads)
		want = b->nthreads;
	for (t = 1; t < want; t++) {
		b->w[t].b = b;
		b->w[t].t = t;
		if (pthread_create(&b->tid[t], NULL, batch_thread, &b->w[t]) != 0)
			break;   /* the threads already started and this one do it all */
		b->started = t;
	}
}

/* Grades what is left of the batch, waits for its threads and takes its
 * lines and rows in order; after a failure (this batch's or an earlier
 * one's), nothing more is taken. */
static int batch_finish(struct score_ctx *c, struct batch *b)
{
	size_t t, k;
	int rc = c->failed ? -1 : 0;

	if (!b || !b->n)
		return rc;
	batch_start(c, b);
	batch_work(b, 0);
	for (t = 1; t <= b->started; t++)
		pthread_join(b->tid[t], NULL);
	for (k = 0; k < b->n; k++) {
		struct gjob *j = &b->jobs[k];
		if (rc == 0 && j->failed) {
			c->failed = 1;
			rc = -1;
		}
		if (rc == 0) {
			if (j->seen)
				c->fs.own_options++;
			if (j->noverdict)
				c->noverdict++;
			buf_add(&c->lines, b->line[j->thread].data + j->line_off, j->line_len);
			buf_addch(&c->lines, '\n');
			c->nlines++;
			if (c->rows)
				summary_rows_add(c->rows, j->it, &j->smp);
			if (c->lines.len >= SCORE_WRITE_CHUNK && flush_lines(c) < 0)
				rc = -1;
		}
		job_release(j);
	}
	b->n = 0;
	b->running = 0;
	return rc;
}

/* The filling batch is full: its grading starts, the one before it is
 * finished, and that one fills next. */
static int batch_turn(struct score_ctx *c)
{
	struct batch *full = c->bat[c->cur], *before = c->bat[!c->cur];
	int rc;

	batch_start(c, full);
	rc = batch_finish(c, before);
	if (!before)
		c->bat[!c->cur] = batch_new();
	c->cur = !c->cur;
	return rc;
}

/* Every queued prediction graded and taken, in order (the end of a file). */
static int batch_drain(struct score_ctx *c)
{
	struct batch *filling = c->bat[c->cur];
	int rc;

	batch_start(c, filling);
	rc = batch_finish(c, c->bat[!c->cur]);
	if (batch_finish(c, filling) < 0)
		rc = -1;
	return rc;
}

static void batch_free(struct batch *b)
{
	size_t t;

	if (!b)
		return;
	for (t = 0; t < b->nthreads; t++)
		buf_release(&b->line[t]);
	free(b);
}

/* Settles in file order what joining REC to IT counts, then queues it for
 * grading (the batch runs when full, and at the end of each file). */
static int grade_pred(struct score_ctx *c, cJSON *rec, size_t where, const struct item *it)
{
	const char *pq = pred_question(rec);
	const cJSON *rep;
	struct gjob *j;
	int is_error;
	long repeat;

	c->fs.joined++;
	ALLOC_GROW(c->joined_items, c->njoined + 1, c->ajoined);
	c->joined_items[c->njoined++] = it;
	if (pq && it->question && strcmp(pq, it->question)) {
		if (c->fs.differs++ < 5) {
			struct jw w;
			jw_init(&w, &c->fs.first, 0);
			if (c->fs.first.len)
				buf_addch(&c->fs.first, ',');
			jw_obj(&w);
			jw_key(&w, "id");
			jw_str(&w, it->id);
			jw_key(&w, "old");
			jw_str(&w, it->question);
			jw_key(&w, "new");
			jw_str(&w, pq);
			jw_end(&w);
		}
	} else {
		pq = NULL;
	}
	rep = json_get(rec, "repeat");   /* a run with --repeats: one line per repeat */
	repeat = cJSON_IsNumber(rep) && rep->valuedouble >= 0 && rep->valuedouble < 1000 ?
		 (long)rep->valuedouble : -1;
	if (c->seen[it - c->s->items]++ && repeat < 0) {
		if (c->dups++ < 5)
			warnf("'%s': record %zu: a second prediction for item '%s' (the last one counts)",
			      c->file, where, it->id);
	}
	c->matched++;
	if (!c->bat[c->cur])
		c->bat[c->cur] = batch_new();
	j = &c->bat[c->cur]->jobs[c->bat[c->cur]->n++];
	memset(j, 0, sizeof(*j));
	j->rec = rec;
	j->where = where;
	j->it = it;
	j->pq = pq;
	j->repeat = repeat;
	j->resp = response_of(rec, &is_error);
	if (is_error)
		j->resp = NULL;
	else if (!j->resp && c->noanswer++ < 20)
		warnf("'%s': record %zu (item '%s'): no answer (no string \"response\", "
		      "\"prediction\", \"output\", \"model_out\", \"pred\" or \"resps\"): "
		      "counted as an error", c->file, where, it->id);
	return c->bat[c->cur]->n == BATCH_MAX ? batch_turn(c) : 0;
}

/*
 * The prediction files (.json) are parsed on a second thread while the
 * suite loads: the two are independent, and parsing is most of either. A
 * file that fails there (unreadable, not JSON) is read again the usual way,
 * which says why; nothing is printed from the thread. Files are taken up to
 * PREFETCH_MAX bytes in all, so memory stays what one file at a time needs
 * for big sets.
 */
#define PREFETCH_MAX ((size_t)256 << 20)

struct prefetch {
	const char **paths;
	size_t n;
	cJSON **roots;             /* per path: the parsed tree, or NULL */
	pthread_t tid;
	int running;
};

static void *prefetch_main(void *arg)
{
	struct prefetch *pf = arg;
	size_t i, total = 0;

	json_arena_use(1);
	for (i = 0; i < pf->n; i++) {
		const char *fmt = reader_format(pf->paths[i]);
		struct stat sb;
		if (!fmt || strcmp(fmt, "json") || stat(pf->paths[i], &sb) < 0 || !S_ISREG(sb.st_mode))
			continue;
		total += (size_t)sb.st_size;
		if (total > PREFETCH_MAX)
			break;
		pf->roots[i] = json_parse_file_quiet(pf->paths[i], (size_t)2 << 30);
	}
	json_arena_use(0);
	return NULL;
}

static void prefetch_start(struct prefetch *pf, const char **paths, size_t n)
{
	memset(pf, 0, sizeof(*pf));
	pf->paths = paths;
	pf->n = n;
	pf->roots = xcalloc(n ? n : 1, sizeof(*pf->roots));
	pf->running = pthread_create(&pf->tid, NULL, prefetch_main, pf) == 0;
}

static void prefetch_wait(struct prefetch *pf)
{
	if (pf->running)
		pthread_join(pf->tid, NULL);
	pf->running = 0;
}

static void prefetch_release(struct prefetch *pf)
{
	size_t i;

	prefetch_wait(pf);
	for (i = 0; i < pf->n; i++)
		tree_free(pf->roots[i]);
	free(pf->roots);
}

/* samples.jsonl is synced while the summary is computed; results.json is
 * written only once the sync is done (a results.json never describes
 * samples that are not on disk). */
struct syncer {
	struct store *st;
	pthread_t tid;
	int running, rc;
};

static void *sync_main(void *arg)
{
	struct syncer *y = arg;

	y->rc = store_sync(y->st);
	return NULL;
}

static void sync_start(struct syncer *y, struct store *st)
{
	y->st = st;
	y->rc = 0;
	y->running = pthread_create(&y->tid, NULL, sync_main, y) == 0;
	if (!y->running)
		y->rc = store_sync(st);
}

static int sync_wait(void *arg)
{
	struct syncer *y = arg;

	if (y->running)
		pthread_join(y->tid, NULL);
	y->running = 0;
	return y->rc;
}

static int read_predictions(const char *path, struct score_ctx *c, cJSON *tree)
{
	const char *fmt = reader_format(path);
	int rc;

	c->file = path;
	free(c->file_stem);
	c->file_stem = path_stem(path);
	if (!fmt || (strcmp(fmt, "json") && strcmp(fmt, "jsonl")))
		fmt = "jsonl";
	buf_release(&c->fs.first);
	buf_release(&c->fs.drops);
	memset(&c->fs, 0, sizeof(c->fs));
	buf_init(&c->fs.first, BUF_MAX_DEFAULT);
	buf_init(&c->fs.drops, BUF_MAX_DEFAULT);
	c->njoined = 0;
	if (tree && !strcmp(fmt, "json")) {
		rc = reader_json_tree(tree, path, on_pred, c);
	} else {
		rc = reader_read(path, fmt, on_pred, c);
		tree_free(tree);
	}
	if (rc == 0)
		rc = resolve_later(c);
	/* the predictions before a failure are graded and kept */
	if (batch_drain(c) < 0)
		rc = -1;
	if (rc < 0)
		return -1;
	{
		/* results.json "inputs": what became of each file's records */
		struct jw w;
		if (c->inputs.len)
			buf_addch(&c->inputs, ',');
		jw_init(&w, &c->inputs, 0);
		jw_obj(&w);
		jw_key(&w, "file");
		jw_str(&w, path);
		jw_key(&w, "records");
		jw_int(&w, (long long)c->fs.records);
		jw_key(&w, "joined");
		jw_int(&w, (long long)c->fs.joined);
		jw_key(&w, "dropped");
		jw_int(&w, (long long)(c->fs.unknown + c->fs.ambiguous));
		jw_key(&w, "dropped_unknown_id");
		jw_int(&w, (long long)c->fs.unknown);
		jw_key(&w, "dropped_ambiguous");
		jw_int(&w, (long long)c->fs.ambiguous);
		jw_key(&w, "drops");
		jw_raw(&w, "[");
		buf_addbuf(&c->inputs, &c->fs.drops);
		buf_addch(&c->inputs, ']');
		jw_key(&w, "graded_on_file_options");
		jw_int(&w, (long long)c->fs.own_options);
		jw_key(&w, "joined_text_differs");
		jw_obj(&w);
		jw_key(&w, "count");
		jw_int(&w, (long long)c->fs.differs);
		jw_key(&w, "first");
		jw_raw(&w, "[");
		buf_addbuf(&c->inputs, &c->fs.first);
		buf_addch(&c->inputs, ']');
		jw_end(&w);
		jw_end(&w);
	}
	if (c->fs.differs)
		warnf("'%s': %zu prediction%s joined by id although the question text differs from the "
		      "suite's (results.json \"inputs\" lists the first)", path, c->fs.differs,
		      c->fs.differs == 1 ? "" : "s");
	return 0;
}

/* --out must not silently replace a run: refuse a directory holding one
 * unless --force, and never truncate a samples.jsonl being read. */
static int check_out(const char *out, const char **files, size_t n, int force)
{
	static const char *const marks[] = { "manifest.json", "samples.jsonl", "results.json" };
	char *sp = path_join(out, "samples.jsonl");
	struct stat so, sf;
	size_t i;
	int rc = 0;

	if (stat(sp, &so) == 0)
		for (i = 0; i < n; i++)
			if (stat(files[i], &sf) == 0 && sf.st_dev == so.st_dev && sf.st_ino == so.st_ino) {
				rc = error("score: '%s' is the samples.jsonl of --out '%s': scoring would "
					   "replace what it reads; give another --out", files[i], out);
				goto out;
			}
	for (i = 0; i < ARRAY_SIZE(marks) && !force; i++) {
		char *p = path_join(out, marks[i]);
		struct stat sm;
		int there = stat(p, &sm) == 0 && S_ISREG(sm.st_mode) && sm.st_size > 0;
		free(p);
		if (there) {
			rc = error("score: '%s' already holds a run or scores (%s): scoring into it "
				   "would replace them; give another --out, or --force to replace them",
				   out, marks[i]);
			break;
		}
	}
out:
	free(sp);
	return rc;
}

static void remove_manifest(const char *out)
{
	char *p = path_join(out, "manifest.json");

	if (unlink(p) == 0)
		warnf("score: --force: removed '%s' (it described the run that was replaced)", p);
	free(p);
}

int cmd_score(int argc, char **argv)
{
	const char *suite = NULL, *data = NULL, *protocol = NULL, *out = NULL, *model = NULL;
	int verdicts = 0, strict_join = 0, no_report = 0, force = 0;
	long seed = 0;
	struct judge_cli jc;
	const struct opt opts[] = {
		{ "suite", 's', OPT_STR, &suite, "SUITE", "suite the predictions answer (name or spec path)" },
		{ "data", 'd', OPT_STR, &data, "DIR", "the suite's data directory (default: $STEVAL_DATA)" },
		{ "protocol", 'p', OPT_STR, &protocol, "NAME", "protocol whose extractor and metric score the answers" },
		{ "verdicts", 0, OPT_FLAG, &verdicts, NULL,
		  "use the judge verdicts ('correct') stored with VLM4D/MLLM-4D predictions" },
		{ "strict-join", 0, OPT_FLAG, &strict_join, NULL,
		  "an id shared by several source files joins only when the question text is the same" },
		{ "no-report", 0, OPT_FLAG, &no_report, NULL,
		  "write results.json and samples.jsonl only (no report.md/.csv/.json/.tex/.html)" },
		{ "model", 'm', OPT_STR, &model, "NAME", "model name for the results (default: the first file's name)" },
		{ "seed", 0, OPT_UINT, &seed, "N", "seed of deterministic fallbacks (default 0)" },
		{ "out", 'o', OPT_STR, &out, "DIR", "where results.json, samples.jsonl and report.md go" },
		JUDGE_CLI_OPTS(jc),
		{ "models", 0, OPT_STR, &jc.o.models_file, "FILE",
		  "named endpoints for --judge (default: $STEVAL_MODELS)" },
		{ "cache-dir", 0, OPT_STR, &jc.o.cache_dir, "DIR",
		  "the cache; verdicts live in DIR/judge (default $STEVAL_CACHE_DIR, ~/.cache/steval)" },
		{ "no-cache", 0, OPT_FLAG, &jc.o.no_cache, NULL, "neither read nor write cached verdicts" },
		{ "force", 0, OPT_FLAG, &force, NULL,
		  "replace the run or scores already in --out DIR (its manifest.json is removed)" },
		OPT_END_MARK,
	};
	const struct opt_cmd cmd = {
		"score", "steval score --suite S [--data DIR] [--protocol P] [--verdicts | --judge SPEC] --out DIR FILE...",
		"Score stored predictions offline, without any model call. Reads steval\n"
		"samples.jsonl, VLM4D/MLLM-4D output JSON, lmms-eval samples JSONL, or plain\n"
		"JSONL {\"id\", \"response\"}; joins them to the suite's items by id. An id\n"
		"that several source files share (VLM4D's real and synthetic) is told apart by\n"
		"the question text, the file's path, or the file's other predictions; a\n"
		"different question text is reported, not dropped (--strict-join drops it).\n"
		"With --judge, the protocol's LLM judge (VLM4D, MLLM4D-Bench) scores the\n"
		"answers: its score is the official one, the rule-based reading the variant\n"
		"'rules' (docs/scoring.md section 7). Exit 3 when judge errors are left:\n"
		"'steval judge OUT --judge SPEC' retries them.",
		opts, 1, SIZE_MAX,
	};
	const char **pos;
	size_t npos, i;
	struct suite s;
	struct score_ctx c;
	struct store st;
	struct prefetch pf;
	struct syncer sy;
	char *model_name = NULL;
	int rc, jrc = EXIT_OK, loaded;

	judge_cli_init(&jc);
	rc = opt_parse(&cmd, argc, argv, &pos, &npos);
	if (rc)
		return rc < 0 ? EXIT_USAGE : EXIT_OK;
	memset(&c, 0, sizeof(c));
	memset(&st, 0, sizeof(st));
	st.fd = -1;
	memset(&s, 0, sizeof(s));
	memset(&pf, 0, sizeof(pf));
	memset(&sy, 0, sizeof(sy));
	rc = EXIT_USAGE;
	if (!suite || !out) {
		error("score: --suite and --out are required");
		goto done;
	}
	if (judge_cli_finish(&jc) < 0)
		goto done;
	if (verdicts && jc.o.spec) {
		error("score: --verdicts takes the stored verdicts, --judge asks a judge: not both");
		goto done;
	}
	jc.o.seed = (uint64_t)seed;
	/* the prediction and question files' trees live until the process
	 * ends, which frees them (lib/json.h) */
	if (!CLI_FREE_AT_EXIT)
		json_arena_enable();
	prefetch_start(&pf, pos, npos);
	json_arena_use(1);
	loaded = suite_open(&s, suite) == 0 && suite_load(&s, data) == 0;
	json_arena_use(0);
	if (!loaded)
		goto done;
	c.p = suite_protocol(&s, protocol);
	if (!c.p) {
		error("suite '%s' has no protocol '%s'", s.name, protocol);
		goto done;
	}
	c.s = &s;
	c.verdicts = verdicts;
	c.strict_join = strict_join;
	buf_init(&c.inputs, BUF_MAX_DEFAULT);
	c.seed = (uint64_t)seed;
	c.seen = xcalloc(s.nitems, 1);
	build_index(&c);
	if (check_out(out, pos, npos, force) < 0 || store_open_dir(&st, out, 1) < 0)
		goto done;
	if (force)
		remove_manifest(out);
	c.st = &st;
	buf_init(&c.lines, (size_t)4 << 30);
	if (!jc.o.spec)   /* a judge rewrites samples.jsonl: the summary reads it back */
		c.rows = summary_rows_new(&s);
	for (i = 0; i < npos; i++) {
		cJSON *tree;
		if (!file_exists(pos[i])) {
			error("score: no such file '%s'", pos[i]);
			goto done;
		}
		if (i == 0)
			prefetch_wait(&pf);
		tree = pf.roots[i];
		pf.roots[i] = NULL;
		if (read_predictions(pos[i], &c, tree) < 0)
			goto done;
	}
	if (flush_lines(&c) < 0)
		goto done;
	if (jc.o.spec) {
		if (store_sync(&st) < 0)
			goto done;
	} else {
		sync_start(&sy, &st);
	}
	if (c.unmatched)
		warnf("%zu prediction%s matched no item of suite '%s'%s", c.unmatched,
		      c.unmatched == 1 ? "" : "s", s.name,
		      c.ambiguous ? " (some ids were ambiguous: give the question text too)" : "");
	if (c.noverdict)
		warnf("%zu prediction%s had no 'correct' verdict (counted as errors)", c.noverdict,
		      c.noverdict == 1 ? "" : "s");
	if (c.noanswer > 20)
		warnf("%zu predictions had no answer (counted as errors)", c.noanswer);
	if (!c.matched) {
		error("score: no prediction matched an item of suite '%s'", s.name);
		goto done;
	}
	if (jc.o.spec) {
		store_close(&st);
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			error("score: cannot initialise libcurl");
			goto done;
		}
		jrc = judge_stage(out, &s, c.p, &jc.o, NULL);
		curl_global_cleanup();
		if (jrc == EXIT_USAGE)
			goto done;
	}
	model_name = model ? xstrdup(model) : path_stem(pos[0]);
	{
		struct summary_opts so;
		struct buf extra = BUF_INIT;
		int src;
		summary_opts_default(&so);
		so.reports = !no_report;
		buf_adds(&extra, "\"inputs\":[");
		buf_addbuf(&extra, &c.inputs);
		buf_addch(&extra, ']');
		so.extra_json = buf_cstr(&extra);
		so.rows = c.rows;
		if (!jc.o.spec) {
			so.before_results = sync_wait;
			so.before_results_arg = &sy;
		}
		src = summary_write_opts(out, &s, c.p, model_name, verdicts ? "verdicts" : "official", &so,
					 NULL);
		buf_release(&extra);
		if (src < 0)
			goto done;
	}
	{
		char *r = path_join(out, "results.json");
		printf("%s\n", r);
		free(r);
	}
	rc = jrc;
	if (verdicts && (c.unmatched || c.noverdict)) {
		/* the verdicts' score is the published one only when every verdict counts */
		error("score --verdicts: %zu prediction%s matched no item and %zu had no verdict: "
		      "'%s' is not the verdicts' score", c.unmatched, c.unmatched == 1 ? "" : "s",
		      c.noverdict, out);
		rc = EXIT_USAGE;
	}
done:
	sync_wait(&sy);   /* before the store closes */
	store_close(&st);
	if (rc == EXIT_OK && !CLI_FREE_AT_EXIT) {
		/* all written and synced: the kernel frees the rest faster */
		fflush(stdout);
		exit(rc);
	}
	free(model_name);
	free(c.idx);
	free(c.seen);
	free(c.file_stem);
	free(c.joined_items);
	free(c.later);
	buf_release(&c.fs.first);
	buf_release(&c.fs.drops);
	buf_release(&c.inputs);
	buf_release(&c.lines);
	summary_rows_free(c.rows);
	batch_free(c.bat[0]);
	batch_free(c.bat[1]);
	prefetch_release(&pf);
	suite_release(&s);
	free(pos);
	return rc;
}
