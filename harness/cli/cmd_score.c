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
 * Predictions join to items by steval's item id, else by the source id;
 * when several items share a source id (VLM4D's ids restart in each file)
 * the question text decides.
 */
#include "lib/common.h"
#include "harness/cli/commands.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "harness/cli/opt.h"
#include "harness/run/sample.h"
#include "lib/store.h"
#include "harness/run/summary.h"
#include "lib/util.h"
#include "lib/xalloc.h"
#include "scorers/grade.h"
#include "suites/reader.h"
#include "suites/suite.h"

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
	size_t matched, unmatched, dups, noverdict, ambiguous;
	int failed;
};

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

static int on_pred(cJSON *rec, size_t where, void *vctx)
{
	struct score_ctx *c = vctx;
	const cJSON *doc = json_get(rec, "doc");
	const struct item *it = join(c, rec, cJSON_IsObject(doc) ? doc : NULL);
	const char *resp;
	struct graded gr;
	struct sample smp;
	struct buf line = BUF_INIT;
	int is_error, rc = 0;
	const cJSON *rep;
	long repeat;
	size_t k;

	if (!it) {
		if (c->unmatched++ < 5) {
			struct buf id = BUF_INIT;
			value_text(json_get(rec, "id"), &id);
			warnf("'%s': record %zu (id '%s') matches no item of suite '%s'", c->file, where,
			      buf_cstr(&id), c->s->name);
			buf_release(&id);
		}
		cJSON_Delete(rec);
		return 0;
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
	resp = response_of(rec, &is_error);
	if (is_error)
		resp = NULL;
	if (grade_all(c->p, it, resp, resp ? strlen(resp) : 0, c->seed + (uint64_t)(repeat > 0 ? repeat : 0),
		      0, &gr) < 0) {
		c->failed = 1;
		cJSON_Delete(rec);
		return -1;
	}
	sample_init(&smp, it);
	smp.repeat = repeat;
	smp.response = resp;
	smp.response_len = resp ? strlen(resp) : 0;
	if (!resp)
		smp.error = json_get_str(rec, "error") ? json_get_str(rec, "error") : "no answer in the prediction file";
	smp.g = &gr.main;
	for (k = 0; k < gr.nv && k < SAMPLE_MAX_VARIANTS; k++) {
		smp.vnames[k] = gr.vnames[k];
		smp.vg[k] = &gr.var[k];
	}
	smp.nv = k;
	if (c->verdicts) {
		const cJSON *cor = json_get(rec, "correct");
		const char *ext = json_get_str(rec, "extracted_answer");
		struct grade *m = &gr.main;
		if (!cJSON_IsBool(cor) && !cJSON_IsNumber(cor)) {
			c->noverdict++;
			m->status = GRADE_ERROR;
			m->score = 0;
			smp.error = "no 'correct' verdict in the prediction file";
		} else {
			int ok = cJSON_IsBool(cor) ? cJSON_IsTrue(cor) : cor->valuedouble != 0;
			/* the rule-based grading stays beside the verdict as a variant */
			if (smp.nv < SAMPLE_MAX_VARIANTS) {
				memmove(&smp.vnames[1], &smp.vnames[0], smp.nv * sizeof(smp.vnames[0]));
				memmove(&smp.vg[1], &smp.vg[0], smp.nv * sizeof(smp.vg[0]));
				smp.vnames[0] = "rules";
				smp.vg[0] = &gr.main;
				smp.nv++;
			}
			smp.verdict = ok;
			smp.verdict_extracted = ext;
			{
				static struct grade vg;
				memset(&vg, 0, sizeof(vg));
				vg.status = ext && (!strcmp(ext, "No Valid Answer") || !*ext) ? GRADE_UNPARSED : GRADE_OK;
				vg.extracted = (char *)(ext ? ext : "");
				vg.rule = -1;
				vg.score = ok;
				smp.g = &vg;
			}
		}
	}
	sample_to_json(&smp, &line);
	if (store_append(c->st, buf_cstr(&line), line.len) < 0) {
		c->failed = 1;
		rc = -1;
	}
	buf_release(&line);
	graded_release(&gr);
	cJSON_Delete(rec);
	return rc;
}

static int read_predictions(const char *path, struct score_ctx *c)
{
	const char *fmt = reader_format(path);

	c->file = path;
	free(c->file_stem);
	c->file_stem = path_stem(path);
	if (!fmt || (strcmp(fmt, "json") && strcmp(fmt, "jsonl")))
		fmt = "jsonl";
	return reader_read(path, fmt, on_pred, c);
}

int cmd_score(int argc, char **argv)
{
	const char *suite = NULL, *data = NULL, *protocol = NULL, *out = NULL, *model = NULL;
	int verdicts = 0;
	long seed = 0;
	const struct opt opts[] = {
		{ "suite", 's', OPT_STR, &suite, "SUITE", "suite the predictions answer (name or spec path)" },
		{ "data", 'd', OPT_STR, &data, "DIR", "the suite's data directory (default: $STEVAL_DATA)" },
		{ "protocol", 'p', OPT_STR, &protocol, "NAME", "protocol whose extractor and metric score the answers" },
		{ "verdicts", 0, OPT_FLAG, &verdicts, NULL,
		  "use the judge verdicts ('correct') stored with VLM4D/MLLM-4D predictions" },
		{ "model", 'm', OPT_STR, &model, "NAME", "model name for the results (default: the first file's name)" },
		{ "seed", 0, OPT_INT, &seed, "N", "seed of deterministic fallbacks (default 0)" },
		{ "out", 'o', OPT_STR, &out, "DIR", "where results.json, samples.jsonl and report.md go" },
		OPT_END_MARK,
	};
	const struct opt_cmd cmd = {
		"score", "steval score --suite S [--data DIR] [--protocol P] [--verdicts] --out DIR FILE...",
		"Score stored predictions offline, without any model call. Reads steval\n"
		"samples.jsonl, VLM4D/MLLM-4D output JSON, lmms-eval samples JSONL, or plain\n"
		"JSONL {\"id\", \"response\"}; joins them to the suite's items by id and question.",
		opts, 1, SIZE_MAX,
	};
	const char **pos;
	size_t npos, i;
	struct suite s;
	struct score_ctx c;
	struct store st;
	char *model_name = NULL;
	int rc = opt_parse(&cmd, argc, argv, &pos, &npos);

	if (rc)
		return rc < 0 ? EXIT_USAGE : EXIT_OK;
	memset(&c, 0, sizeof(c));
	memset(&st, 0, sizeof(st));
	st.fd = -1;
	memset(&s, 0, sizeof(s));
	rc = EXIT_USAGE;
	if (!suite || !out) {
		error("score: --suite and --out are required");
		goto done;
	}
	if (suite_open(&s, suite) < 0 || suite_load(&s, data) < 0)
		goto done;
	c.p = suite_protocol(&s, protocol);
	if (!c.p) {
		error("suite '%s' has no protocol '%s'", s.name, protocol);
		goto done;
	}
	c.s = &s;
	c.verdicts = verdicts;
	c.seed = (uint64_t)seed;
	c.seen = xcalloc(s.nitems, 1);
	build_index(&c);
	if (store_open_dir(&st, out, 1) < 0)
		goto done;
	c.st = &st;
	for (i = 0; i < npos; i++) {
		if (!file_exists(pos[i])) {
			error("score: no such file '%s'", pos[i]);
			goto done;
		}
		if (read_predictions(pos[i], &c) < 0)
			goto done;
	}
	store_sync(&st);
	if (c.unmatched)
		warnf("%zu prediction%s matched no item of suite '%s'%s", c.unmatched,
		      c.unmatched == 1 ? "" : "s", s.name,
		      c.ambiguous ? " (some ids were ambiguous: give the question text too)" : "");
	if (c.noverdict)
		warnf("%zu prediction%s had no 'correct' verdict (counted as errors)", c.noverdict,
		      c.noverdict == 1 ? "" : "s");
	if (!c.matched) {
		error("score: no prediction matched an item of suite '%s'", s.name);
		goto done;
	}
	model_name = model ? xstrdup(model) : path_stem(pos[0]);
	if (summary_write(out, &s, c.p, model_name, verdicts ? "verdicts" : "official", NULL) < 0)
		goto done;
	{
		char *r = path_join(out, "results.json");
		printf("%s\n", r);
		free(r);
	}
	rc = EXIT_OK;
done:
	store_close(&st);
	free(model_name);
	free(c.idx);
	free(c.seen);
	free(c.file_stem);
	suite_release(&s);
	free(pos);
	return rc;
}
