#include "lib/common.h"
#include "harness/run/sample.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "scorers/grade.h"
#include "suites/suite.h"

void sample_init(struct sample *s, const struct item *it)
{
	memset(s, 0, sizeof(*s));
	s->it = it;
	s->verdict = -1;
	s->repeat = -1;
	s->in_tokens = s->out_tokens = s->reasoning_tokens = -1;
	s->t_frames = s->t_queue = s->t_network = -1;
}

static void grade_fields(struct jw *w, const struct grade *g)
{
	jw_key(w, "status");
	jw_str(w, grade_status_name(g->status));
	jw_key(w, "extracted");
	jw_str(w, g->extracted ? g->extracted : "");
	if (g->rule >= 0) {
		jw_key(w, "rule");
		jw_int(w, g->rule);
	}
	if (g->fallback) {
		jw_key(w, "fallback");
		jw_str(w, g->fallback);
	}
	jw_key(w, "score");
	if (g->status == GRADE_ERROR)
		jw_null(w);
	else
		jw_num(w, g->score);
}

void sample_to_json(const struct sample *s, struct buf *out)
{
	const struct item *it = s->it;
	struct jw w;
	size_t i;

	jw_init(&w, out, 0);
	jw_obj(&w);
	jw_key(&w, "id");
	jw_str(&w, it->id);
	jw_key(&w, "category");
	jw_str(&w, it->category);
	jw_key(&w, "type");
	jw_str(&w, it->type->name);
	if (it->split) {
		jw_key(&w, "split");
		jw_str(&w, it->split);
	}
	if (s->repeat >= 0) {
		jw_key(&w, "repeat");
		jw_int(&w, s->repeat);
	}
	if (s->question) {
		jw_key(&w, "question");
		jw_str(&w, s->question);
	}
	grade_fields(&w, s->g);
	jw_key(&w, "truth");
	jw_str(&w, it->answer);
	if (it->type->multiple_choice) {
		jw_key(&w, "accepted");
		jw_str(&w, it->accepted);
	}
	if (s->verdict >= 0) {
		jw_key(&w, "verdict");
		jw_bool(&w, s->verdict);
		if (s->verdict_extracted) {
			jw_key(&w, "verdict_extracted");
			jw_str(&w, s->verdict_extracted);
		}
	}
	if (s->nv) {
		jw_key(&w, "variants");
		jw_obj(&w);
		for (i = 0; i < s->nv; i++) {
			jw_key(&w, s->vnames[i]);
			jw_obj(&w);
			grade_fields(&w, s->vg[i]);
			jw_end(&w);
		}
		jw_end(&w);
	}
	jw_key(&w, "response");
	if (s->response)
		jw_strn(&w, s->response, s->response_len);
	else
		jw_null(&w);
	if (s->error) {
		jw_key(&w, "error");
		jw_str(&w, s->error);
	}
	if (s->attempts) {
		jw_key(&w, "attempts");
		jw_int(&w, s->attempts);
	}
	if (s->finish_reason) {
		jw_key(&w, "finish_reason");
		jw_str(&w, s->finish_reason);
	}
	if (s->prompt_sha256) {
		jw_key(&w, "prompt_sha256");
		jw_str(&w, s->prompt_sha256);
	}
	if (it->video) {
		jw_key(&w, "video");
		jw_str(&w, it->video);
	}
	if (s->images_json) {
		jw_key(&w, "images");
		jw_raw(&w, s->images_json);
	}
	if (s->frames_json) {
		jw_key(&w, "frames");
		jw_raw(&w, s->frames_json);
	}
	if (s->in_tokens >= 0 || s->out_tokens >= 0) {
		jw_key(&w, "usage");
		jw_obj(&w);
		jw_key(&w, "input");
		if (s->in_tokens >= 0) jw_int(&w, s->in_tokens); else jw_null(&w);
		jw_key(&w, "output");
		if (s->out_tokens >= 0) jw_int(&w, s->out_tokens); else jw_null(&w);
		jw_key(&w, "reasoning");
		if (s->reasoning_tokens >= 0) jw_int(&w, s->reasoning_tokens); else jw_null(&w);
		jw_end(&w);
	}
	if (s->t_frames >= 0 || s->t_queue >= 0 || s->t_network >= 0) {
		jw_key(&w, "latency");
		jw_obj(&w);
		jw_key(&w, "frames");
		jw_num(&w, s->t_frames >= 0 ? s->t_frames : 0);
		jw_key(&w, "queue");
		jw_num(&w, s->t_queue >= 0 ? s->t_queue : 0);
		jw_key(&w, "network");
		jw_num(&w, s->t_network >= 0 ? s->t_network : 0);
		jw_end(&w);
	}
	jw_end(&w);
}
