#include "harness/common.h"
#include "harness/run.h"
#include "adapters/adapter.h"
#include "harness/buf.h"
#include "harness/log.h"
#include "harness/sample.h"
#include "harness/store.h"
#include "harness/summary.h"
#include "harness/util.h"
#include "harness/xalloc.h"
#include "scorers/grade.h"
#include "suites/render.h"
#include "suites/suite.h"

#include <curl/curl.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <signal.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void write_libs(struct jw *w)
{
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
	char pcre[64] = "";

	pcre2_config(PCRE2_CONFIG_VERSION, pcre);
	jw_key(w, "libraries");
	jw_obj(w);
	jw_key(w, "libcurl");
	jw_str(w, cv->version);
	jw_key(w, "libavformat");
	jw_str(w, AV_STRINGIFY(LIBAVFORMAT_VERSION));
	jw_key(w, "libavcodec");
	jw_str(w, AV_STRINGIFY(LIBAVCODEC_VERSION));
	jw_key(w, "pcre2");
	jw_str(w, pcre);
	jw_key(w, "cjson");
	jw_str(w, cJSON_Version());
	jw_end(w);
}

struct run_state {
	const struct run_opts *o;
	struct suite s;
	const struct protocol *p;
	struct model *m;
	struct store st;
	cJSON *generation;        /* merged: protocol settings + overrides */
	char started[32];
	unsigned char *done;      /* per item: finished (ok or unparsed) */
	size_t todo, finished, ok, unparsed, errors;
	long max_errors;          /* absolute; -1 none */
	double max_errors_frac;   /* < 0 none */
};

static int write_manifest(struct run_state *r, const char *status)
{
	struct buf b = BUF_INIT;
	struct jw w;
	char ended[32];
	size_t i;
	int rc;

	jw_init(&w, &b, 1);
	jw_obj(&w);
	jw_key(&w, "steval");
	jw_obj(&w);
	jw_key(&w, "version");
	jw_str(&w, steval_version());
	jw_key(&w, "git");
	jw_str(&w, steval_git());
	jw_end(&w);
	write_libs(&w);
	jw_key(&w, "argv");
	jw_arr(&w);
	for (i = 0; i < (size_t)r->o->argc; i++)
		jw_str(&w, r->o->argv[i]);
	jw_end(&w);
	jw_key(&w, "status");
	jw_str(&w, status);
	jw_key(&w, "started");
	jw_str(&w, r->started);
	utc_stamp(ended, wall_now());
	jw_key(&w, "updated");
	jw_str(&w, ended);
	jw_key(&w, "suite");
	jw_obj(&w);
	jw_key(&w, "name");
	jw_str(&w, r->s.name);
	jw_key(&w, "spec");
	jw_str(&w, r->s.spec_path);
	jw_key(&w, "spec_sha256");
	jw_str(&w, r->s.spec_sha256);
	jw_key(&w, "data_dir");
	jw_str(&w, r->s.data_dir);
	jw_key(&w, "items");
	jw_int(&w, (long long)r->s.nitems);
	jw_key(&w, "files");
	jw_arr(&w);
	for (i = 0; i < r->s.nfiles; i++) {
		jw_obj(&w);
		jw_key(&w, "path");
		jw_str(&w, r->s.files[i].path);
		jw_key(&w, "sha256");
		jw_str(&w, r->s.files[i].sha256);
		jw_key(&w, "items");
		jw_int(&w, (long long)r->s.files[i].items);
		jw_end(&w);
	}
	jw_end(&w);
	jw_end(&w);
	jw_key(&w, "protocol");
	jw_str(&w, r->p->name);
	jw_key(&w, "protocol_spec");
	jw_value(&w, r->p->json);
	jw_key(&w, "frames");
	jw_value(&w, r->p->frames);
	jw_key(&w, "generation");
	jw_value(&w, r->generation);
	jw_key(&w, "model");
	jw_str(&w, r->m->spec);
	jw_key(&w, "seed");
	jw_int(&w, r->o->seed);
	jw_key(&w, "limit");
	jw_int(&w, r->o->limit);
	jw_key(&w, "blind");
	jw_bool(&w, r->o->blind);
	jw_key(&w, "counts");
	jw_obj(&w);
	jw_key(&w, "todo");
	jw_int(&w, (long long)r->todo);
	jw_key(&w, "finished");
	jw_int(&w, (long long)r->finished);
	jw_key(&w, "ok");
	jw_int(&w, (long long)r->ok);
	jw_key(&w, "unparsed");
	jw_int(&w, (long long)r->unparsed);
	jw_key(&w, "error");
	jw_int(&w, (long long)r->errors);
	jw_end(&w);
	jw_end(&w);
	buf_addch(&b, '\n');
	rc = store_write(&r->st, "manifest.json", buf_cstr(&b), b.len);
	buf_release(&b);
	return rc;
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
		if (rc < 0 || d < 0 || d > 100)
			return error("--max-errors: '%s' is not a percentage", s);
		r->max_errors_frac = d / 100;
		return 0;
	}
	if (parse_double(s, &d) < 0 || d < 0 || d != (long)d)
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

/* Ids already finished (ok or unparsed) in a run being resumed. */
static int on_done(cJSON *rec, size_t line, void *vctx)
{
	struct run_state *r = vctx;
	const char *id = json_get_str(rec, "id"), *st = json_get_str(rec, "status");
	const struct item *it = id ? suite_item(&r->s, id) : NULL;

	(void)line;
	if (it) {
		size_t k = (size_t)(it - r->s.items);
		r->done[k] = st && strcmp(st, "error") != 0;
	}
	cJSON_Delete(rec);
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

static int do_item(struct run_state *r, const struct item *it)
{
	struct request rq;
	struct answer ans;
	struct part text;
	struct graded gr;
	struct sample smp;
	struct buf prompt = BUF_INIT, line = BUF_INIT;
	char sha[65];
	double t0 = mono_now();
	size_t k;
	int rc = -1;

	memset(&rq, 0, sizeof(rq));
	memset(&ans, 0, sizeof(ans));
	memset(&gr, 0, sizeof(gr));
	if (render_prompt(r->p, it, NULL, 0, &prompt) < 0) {
		if (model_needs_media(r->m) || !render_needs_media(r->p, it))
			goto out;
		/* a model that needs no media: show placeholders for video facts */
		buf_reset(&prompt);
		if (render_prompt(r->p, it, NULL, 1, &prompt) < 0)
			goto out;
	}
	sha256_hex(buf_cstr(&prompt), prompt.len, sha);
	memset(&text, 0, sizeof(text));
	text.kind = PART_TEXT;
	text.text = buf_cstr(&prompt);
	text.len = prompt.len;
	text.pts = -1;
	text.frame_index = -1;
	rq.it = it;
	rq.p = r->p;
	rq.system = r->p->system;
	rq.text = buf_cstr(&prompt);
	rq.text_len = prompt.len;
	rq.parts = &text;
	rq.nparts = 1;
	rq.generation = r->generation;
	rq.seed = (uint64_t)r->o->seed;
	if (model_needs_media(r->m) && !r->o->blind && (it->video || it->nimages)) {
		error("item '%s': model '%s' needs frames; video frames are not wired into the run loop yet",
		      it->id, r->m->spec);
		goto out;
	}
	if (model_answer(r->m, &rq, &ans) < 0 && !ans.error)
		ans.error = xstrdup("the adapter failed");
	if (grade_all(r->p, it, ans.text, ans.text ? strlen(ans.text) : 0, (uint64_t)r->o->seed,
		      ans.direct, &gr) < 0)
		goto out;
	sample_init(&smp, it);
	smp.response = ans.text;
	smp.response_len = ans.text ? strlen(ans.text) : 0;
	smp.error = ans.text ? NULL : (ans.error ? ans.error : "no answer");
	smp.g = &gr.main;
	for (k = 0; k < gr.nv && k < SAMPLE_MAX_VARIANTS; k++) {
		smp.vnames[k] = gr.vnames[k];
		smp.vg[k] = &gr.var[k];
	}
	smp.nv = k;
	smp.prompt_sha256 = sha;
	smp.in_tokens = ans.in_tokens;
	smp.out_tokens = ans.out_tokens;
	smp.reasoning_tokens = ans.reasoning_tokens;
	smp.finish_reason = ans.finish_reason;
	smp.attempts = 1;
	smp.t_frames = 0;
	smp.t_queue = 0;
	smp.t_network = mono_now() - t0;
	sample_to_json(&smp, &line);
	if (store_append(&r->st, buf_cstr(&line), line.len) < 0)
		goto out;
	r->finished++;
	if (gr.main.status == GRADE_OK)
		r->ok++;
	else if (gr.main.status == GRADE_UNPARSED)
		r->unparsed++;
	else
		r->errors++;
	rc = 0;
out:
	graded_release(&gr);
	answer_release(&ans);
	buf_release(&prompt);
	buf_release(&line);
	return rc;
}

int run_execute(const struct run_opts *o)
{
	struct run_state r;
	struct sigaction sa, old_int, old_term;
	size_t i, n;
	int rc = EXIT_USAGE, stopped = 0;

	memset(&r, 0, sizeof(r));
	r.o = o;
	r.st.fd = -1;
	utc_stamp(r.started, wall_now());
	if (parse_max_errors(&r, o->max_errors) < 0)
		return EXIT_USAGE;
	if (suite_open(&r.s, o->suite) < 0 || suite_load(&r.s, o->data) < 0)
		goto out;
	r.p = suite_protocol(&r.s, o->protocol);
	if (!r.p) {
		error("suite '%s' has no protocol '%s'", r.s.name, o->protocol);
		goto out;
	}
	if (model_open(&r.m, o->model, &r.s) < 0)
		goto out;
	r.generation = merged_generation(r.p, o->generation);
	r.done = xcalloc(r.s.nitems ? r.s.nitems : 1, 1);
	if (o->resume_dir) {
		char *sp = path_join(o->resume_dir, "samples.jsonl");
		if (store_open_dir(&r.st, o->resume_dir, 0) < 0 ||
		    store_read_jsonl(sp, on_done, &r, NULL) < 0) {
			free(sp);
			goto out;
		}
		free(sp);
	} else if (store_create(&r.st, o->out_root ? o->out_root : "runs", r.s.name, o->model) < 0) {
		goto out;
	}
	n = r.s.nitems;
	if (o->limit > 0 && (size_t)o->limit < n)
		n = (size_t)o->limit;
	for (i = 0; i < n; i++)
		r.todo += !r.done[i];
	if (write_manifest(&r, "running") < 0)
		goto out;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	interrupted = 0;
	rc = EXIT_OK;
	for (i = 0; i < n; i++) {
		if (r.done[i])
			continue;
		if (interrupted) {
			warnf("interrupted: %zu of %zu items finished and saved; continue with "
			      "'steval run --resume %s'", r.finished, r.todo, r.st.dir);
			stopped = 1;
			break;
		}
		if (do_item(&r, &r.s.items[i]) < 0) {
			rc = EXIT_USAGE;
			break;
		}
		if (too_many_errors(&r)) {
			error("%zu errors (more than --max-errors %s): stopping; the finished samples are "
			      "saved in '%s'", r.errors, o->max_errors, r.st.dir);
			stopped = 1;
			break;
		}
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	store_sync(&r.st);
	if (summary_write(r.st.dir, &r.s, r.p, o->model, "official", NULL) < 0)
		rc = EXIT_USAGE;
	if (rc == EXIT_OK && (stopped || r.errors))
		rc = stopped ? EXIT_INCOMPLETE : EXIT_OK;
	write_manifest(&r, rc == EXIT_OK ? (r.errors ? "finished-with-errors" : "finished") :
		       rc == EXIT_INCOMPLETE ? "incomplete" : "failed");
	if (rc == EXIT_OK || rc == EXIT_INCOMPLETE)
		printf("%s\n", r.st.dir);
out:
	store_close(&r.st);
	cJSON_Delete(r.generation);
	free(r.done);
	model_close(r.m);
	suite_release(&r.s);
	return rc;
}
