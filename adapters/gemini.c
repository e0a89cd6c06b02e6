/*
 * gemini.c: Google Gemini generateContent.
 *
 *   gemini:MODEL         https://generativelanguage.googleapis.com/v1beta,
 *                        key $GEMINI_API_KEY (else $GOOGLE_API_KEY), sent as
 *                        x-goog-api-key (never in the URL)
 *   gemini@URL:MODEL     another base (up to /v1beta)
 *
 * POST {base}/models/{model}:generateContent, or :streamGenerateContent?alt=sse
 * when streaming. Frames are inlineData parts (camelCase, as the SDK sends);
 * with protocol media "clip" the whole video goes as one video/mp4
 * inlineData part with videoMetadata start/end offsets from the item's
 * window. Thought parts ("thought": true) come back as a <think> block;
 * output tokens include thoughtsTokenCount (reported apart as reasoning).
 */
#include "lib/common.h"
#include "adapters/adapter.h"
#include "adapters/wire.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#include <stdlib.h>

#define GEMINI_BASE "https://generativelanguage.googleapis.com/v1beta"

struct gstate {
	int noted;
};

static int ge_open(struct model *m, const struct suite *s)
{
	(void)s;
	m->state = xcalloc(1, sizeof(struct gstate));
	if (!m->ep.base_url)
		m->ep.base_url = xstrdup(GEMINI_BASE);
	if (!m->ep.key_env && !getenv("GEMINI_API_KEY") && getenv("GOOGLE_API_KEY"))
		return model_load_key(m, "GOOGLE_API_KEY", 1);
	return model_load_key(m, "GEMINI_API_KEY", 1);
}

static void ge_close(struct model *m)
{
	free(m->state);
	m->state = NULL;
}

static int ge_takes_clip(const struct model *m)
{
	(void)m;
	return 1;
}

static void ge_describe(const struct model *m, struct jw *w)
{
	jw_key(w, "base_url");
	jw_str(w, m->ep.base_url);
	jw_key(w, "stream");
	jw_bool(w, m->ep.stream > 0);
}

static void text_part(struct jw *w, const char *t, size_t n)
{
	jw_obj(w);
	jw_key(w, "text");
	jw_strn(w, t, n);
	jw_end(w);
}

static void offset(struct jw *w, const char *key, double t)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%gs", t);
	jw_key(w, key);
	jw_str(w, buf_cstr(&b));
	buf_release(&b);
}

static int ge_build(struct model *m, const struct request *rq, struct http_call *c)
{
	static const char *const sent[] = {
		"max_tokens", "max_new_tokens", "max_completion_tokens", "max_output_tokens",
		"temperature", "top_p", "top_k", "seed", "stop", "presence_penalty",
		"frequency_penalty", NULL,
	};
	struct gstate *st = m->state;
	struct buf lab = BUF_INIT;
	struct gen g;
	struct jw w;
	size_t i;
	int stream = m->ep.stream > 0, open = 0;
	const char *mp = strncmp(m->ep.model, "models/", 7) ? "models/" : "";

	gen_read(rq->generation, &g);
	gen_note_unsent(m, rq->generation, sent, &st->noted);
	c->url = xasprintf("%s/%s%s:%s", m->ep.base_url, mp, m->ep.model,
			   stream ? "streamGenerateContent?alt=sse" : "generateContent");
	c->stream = stream;
	http_call_header(c, "Content-Type: application/json");
	if (m->ep.key)
		http_call_header(c, "x-goog-api-key: %s", m->ep.key);
	wire_request_begin(m, c, rq, &w);
	if (rq->system && !wire_extra_has(m, "systemInstruction")) {
		jw_key(&w, "systemInstruction");
		jw_obj(&w);
		jw_key(&w, "parts");
		jw_arr(&w);
		text_part(&w, rq->system, strlen(rq->system));
		jw_end(&w);
		jw_end(&w);
	}
	if (!wire_extra_has(m, "contents")) {
		jw_key(&w, "contents");
		jw_arr(&w);
		jw_obj(&w);
		jw_key(&w, "role");
		jw_str(&w, "user");
		jw_key(&w, "parts");
		jw_arr(&w);
		for (i = 0; i < rq->nparts; i++) {
			const struct part *pt = &rq->parts[i];
			if (pt->kind == PART_TEXT) {
				text_part(&w, pt->text, pt->len);
				continue;
			}
			if (pt->kind == PART_IMAGE && rq->frame_labels && pt->frame_no >= 0) {
				buf_reset(&lab);
				wire_frame_label(pt, &lab);
				text_part(&w, buf_cstr(&lab), lab.len);
			}
			jw_obj(&w);
			jw_key(&w, "inlineData");
			jw_obj(&w);
			jw_key(&w, "mimeType");
			jw_str(&w, pt->mime);
			jw_key(&w, "data");
			wire_b64_value(&w, NULL, pt);
			jw_end(&w);
			if (pt->kind == PART_VIDEO && (pt->t_start >= 0 || pt->t_end >= 0)) {
				jw_key(&w, "videoMetadata");
				jw_obj(&w);
				if (pt->t_start >= 0)
					offset(&w, "startOffset", pt->t_start);
				if (pt->t_end >= 0)
					offset(&w, "endOffset", pt->t_end);
				jw_end(&w);
			}
			jw_end(&w);
		}
		jw_end(&w);
		jw_end(&w);
		jw_end(&w);
	}
	if (!wire_extra_has(m, "generationConfig")) {
		wire_put_in(&w, "generationConfig", &open, "maxOutputTokens", g.max_tokens);
		wire_put_in(&w, "generationConfig", &open, "temperature", g.temperature);
		wire_put_in(&w, "generationConfig", &open, "topP", g.top_p);
		wire_put_in(&w, "generationConfig", &open, "topK", g.top_k);
		wire_put_in(&w, "generationConfig", &open, "seed", g.seed);
		wire_put_in(&w, "generationConfig", &open, "presencePenalty", g.presence_penalty);
		wire_put_in(&w, "generationConfig", &open, "frequencyPenalty", g.frequency_penalty);
		if (g.stop) {
			wire_open_in(&w, "generationConfig", &open);
			wire_stop_list(&w, "stopSequences", g.stop);
		}
		if (open)
			jw_end(&w);
	}
	wire_extra_write(m, &w);
	jw_end(&w);
	buf_release(&lab);
	if (c->body.overflow)
		return error("model '%s': the request body is larger than 1 GiB", m->spec);
	return 0;
}

static char *norm_finish(const char *f)
{
	static const char *const filters[] = {
		"SAFETY", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "RECITATION",
		"IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION", NULL,
	};
	size_t i;

	if (!f)
		return NULL;
	if (!strcmp(f, "STOP"))
		return xstrdup("stop");
	if (!strcmp(f, "MAX_TOKENS"))
		return xstrdup("length");
	for (i = 0; filters[i]; i++)
		if (!strcmp(f, filters[i]))
			return xstrdup("content_filter");
	return xasprintf("other:%s", f);
}

struct acc {
	struct wire_text t;
	char *finish;
	struct answer *a;
	char *error;
	int candidates;
	int blocked;
};

static void read_usage(const cJSON *u, struct answer *a)
{
	long long cand, th;

	if (!cJSON_IsObject(u))
		return;
	if (json_get(u, "promptTokenCount"))
		a->in_tokens = wire_ll(json_get(u, "promptTokenCount"));
	cand = wire_ll(json_get(u, "candidatesTokenCount"));
	th = wire_ll(json_get(u, "thoughtsTokenCount"));
	if (cand >= 0 || th >= 0)
		a->out_tokens = (cand > 0 ? cand : 0) + (th > 0 ? th : 0);
	if (th >= 0)
		a->reasoning_tokens = th;
}

/* one GenerateContentResponse (the whole answer, or a stream chunk) */
static void take(struct acc *c, const cJSON *j)
{
	const cJSON *cand = cJSON_GetArrayItem(json_get(j, "candidates"), 0), *p;
	const cJSON *pf = json_get(j, "promptFeedback");

	if (cJSON_IsObject(cand)) {
		c->candidates++;
		cJSON_ArrayForEach(p, json_get(json_get(cand, "content"), "parts")) {
			const char *t = json_get_str(p, "text");
			if (!t)
				continue;
			if (cJSON_IsTrue(json_get(p, "thought")))
				buf_adds(&c->t.think, t);
			else
				buf_adds(&c->t.text, t);
		}
		if (json_get_str(cand, "finishReason")) {
			free(c->finish);
			c->finish = norm_finish(json_get_str(cand, "finishReason"));
		}
	} else if (cJSON_IsObject(pf) && json_get_str(pf, "blockReason")) {
		c->blocked = 1;
	}
	read_usage(json_get(j, "usageMetadata"), c->a);
}

static int on_event(void *vctx, const char *event, const char *data, size_t n)
{
	struct acc *c = vctx;
	cJSON *j = cJSON_ParseWithLength(data, n);

	(void)event;
	if (!j)
		return 0;
	if (json_get(j, "error")) {
		struct wire_err e;
		wire_error_parse(data, n, &e);
		free(c->error);
		c->error = xasprintf("error in the stream: %s%s%s", e.type ? e.type : "",
				     e.type ? ": " : "", e.message);
		wire_err_release(&e);
		cJSON_Delete(j);
		return 1;
	}
	take(c, j);
	cJSON_Delete(j);
	return 0;
}

static enum outcome ge_parse(struct model *m, const struct http_reply *r, struct answer *a,
			     struct verdict *v)
{
	struct acc c;
	enum outcome o = OUT_OK;
	int streamed;

	(void)m;
	if (r->curl_code || r->status < 200 || r->status > 299)
		return wire_classify(r, v);
	memset(&c, 0, sizeof(c));
	wire_text_init(&c.t);
	c.a = a;
	streamed = wire_looks_sse(r->body, r->len);
	if (streamed) {
		wire_sse_each(r->body, r->len, on_event, &c);
	} else {
		cJSON *j = cJSON_ParseWithLength(r->body, r->len);
		if (!j) {
			wire_text_release(&c.t);
			return wire_bad_body(v, r->status, "HTTP %ld with a body that is not JSON "
					     "(%zu bytes)", r->status, r->len);
		}
		if (cJSON_IsArray(j))   /* a JSON array of chunks (stream without alt=sse) */
			for (const cJSON *e = j->child; e; e = e->next)
				take(&c, e);
		else if (json_get(j, "error"))
			on_event(&c, NULL, r->body, r->len);
		else
			take(&c, j);
		cJSON_Delete(j);
	}
	if (c.error) {
		o = wire_bad_body(v, r->status, "%s", c.error);
	} else if (c.blocked && !c.candidates) {
		a->text = xstrdup("");
		a->finish_reason = xstrdup("content_filter");
	} else if (!c.candidates) {
		o = wire_bad_body(v, r->status, "the response has no candidates");
	} else if (streamed && !c.finish) {
		o = wire_bad_body(v, r->status, "the stream ended without a finishReason: truncated");
	} else {
		a->text = wire_text_finish(&c.t);
		a->finish_reason = c.finish;
		c.finish = NULL;
	}
	free(c.finish);
	free(c.error);
	wire_text_release(&c.t);
	return o;
}

const struct adapter_ops adapter_gemini = {
	.name = "gemini",
	.summary = "Google Gemini generateContent (frames, or whole clips)",
	.open = ge_open,
	.close = ge_close,
	.takes_clip = ge_takes_clip,
	.describe = ge_describe,
	.build = ge_build,
	.parse = ge_parse,
	.concurrency = 8,
};
