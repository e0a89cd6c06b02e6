/*
 * openai.c: OpenAI Chat Completions, and every server that speaks it
 * (vLLM, llama.cpp server, SGLang, LMDeploy, Ollama's /v1, hosted routers).
 *
 *   openai:MODEL               https://api.openai.com/v1, key $OPENAI_API_KEY
 *   openai@URL:MODEL           URL is the base up to /v1; a key only when named
 *                              (--key-env VAR or the models file's key_env)
 *
 * Frames go as image_url parts holding data URLs of the cached JPEG/PNG
 * bytes (no re-encoding); with protocol "frame_labels" a text part
 * "Frame N (t=S.SSs):" precedes each frame. A text-only request sends the
 * content as a plain string.
 *
 * Token limit: api.openai.com gets max_completion_tokens (max_tokens is
 * deprecated there and refused by reasoning models); other servers get
 * max_tokens (Ollama's /v1 ignores max_completion_tokens). The models
 * file's "max_tokens_field" overrides. Reasoning models on api.openai.com
 * (o1, o3, o4-*, gpt-5 but not gpt-5-chat; or "reasoning": true) refuse any
 * temperature or top_p but the default: those are not sent. If a server
 * still answers 400 "unsupported_parameter" for max_tokens, or
 * "unsupported_value" for temperature/top_p, the adapter switches (once,
 * with a warning) and retries at once.
 */
#include "lib/common.h"
#include "adapters/adapter.h"
#include "adapters/wire.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "suites/suite.h"

#include <strings.h>

#define OPENAI_BASE "https://api.openai.com/v1"

struct ostate {
	int official;
	int completion_field;   /* send max_completion_tokens */
	int reasoning;          /* no temperature / top_p */
	int video_url;          /* send clips as video_url parts */
	int noted;
};

static int is_official(const char *base)
{
	return !strncasecmp(base, "https://api.openai.com", 22) &&
	       (base[22] == 0 || base[22] == '/' || base[22] == ':');
}

static int reasoning_name(const char *m)
{
	if (strstr(m, "-chat"))
		return 0;
	return (m[0] == 'o' && m[1] >= '1' && m[1] <= '9') || !strncmp(m, "gpt-5", 5);
}

static int oa_open(struct model *m, const struct suite *s)
{
	struct ostate *st = xcalloc(1, sizeof(*st));

	(void)s;
	m->state = st;
	if (!m->ep.base_url)
		m->ep.base_url = xstrdup(OPENAI_BASE);
	st->official = is_official(m->ep.base_url);
	if (model_load_key(m, st->official ? "OPENAI_API_KEY" : NULL, st->official) < 0)
		return -1;
	if (m->ep.max_tokens_field) {
		if (strcmp(m->ep.max_tokens_field, "max_tokens") &&
		    strcmp(m->ep.max_tokens_field, "max_completion_tokens"))
			return error("model '%s': max_tokens_field is \"max_tokens\" or "
				     "\"max_completion_tokens\", not '%s'", m->spec, m->ep.max_tokens_field);
		st->completion_field = !strcmp(m->ep.max_tokens_field, "max_completion_tokens");
	} else {
		st->completion_field = st->official;
	}
	st->reasoning = m->ep.reasoning >= 0 ? m->ep.reasoning :
			(st->official && reasoning_name(m->ep.model));
	if (m->ep.video) {
		if (strcmp(m->ep.video, "video_url") && strcmp(m->ep.video, "frames"))
			return error("model '%s': video is \"video_url\" or \"frames\", not '%s'",
				     m->spec, m->ep.video);
		st->video_url = !strcmp(m->ep.video, "video_url");
	}
	if (m->ep.detail && strcmp(m->ep.detail, "low") && strcmp(m->ep.detail, "high") &&
	    strcmp(m->ep.detail, "auto"))
		return error("model '%s': detail is low, high or auto, not '%s'", m->spec, m->ep.detail);
	return 0;
}

static void oa_close(struct model *m)
{
	free(m->state);
	m->state = NULL;
}

static int oa_takes_clip(const struct model *m)
{
	return ((const struct ostate *)m->state)->video_url;
}

static void oa_describe(const struct model *m, struct jw *w)
{
	const struct ostate *st = m->state;

	jw_key(w, "base_url");
	jw_str(w, m->ep.base_url);
	jw_key(w, "max_tokens_field");
	jw_str(w, st->completion_field ? "max_completion_tokens" : "max_tokens");
	jw_key(w, "reasoning");
	jw_bool(w, st->reasoning);
	jw_key(w, "stream");
	jw_bool(w, m->ep.stream > 0);
	if (st->video_url) {
		jw_key(w, "video");
		jw_str(w, "video_url");
	}
	if (m->ep.detail) {
		jw_key(w, "detail");
		jw_str(w, m->ep.detail);
	}
}

static void text_part(struct jw *w, const char *t, size_t n)
{
	jw_obj(w);
	jw_key(w, "type");
	jw_str(w, "text");
	jw_key(w, "text");
	jw_strn(w, t, n);
	jw_end(w);
}

static void user_content(const struct model *m, const struct request *rq, struct jw *w)
{
	const struct ostate *st = m->state;
	struct buf lab = BUF_INIT;
	size_t i, nmedia = 0;

	for (i = 0; i < rq->nparts; i++)
		nmedia += rq->parts[i].kind != PART_TEXT;
	if (!nmedia) {
		struct buf t = BUF_INIT;
		for (i = 0; i < rq->nparts; i++)
			buf_add(&t, rq->parts[i].text, rq->parts[i].len);
		jw_strn(w, buf_cstr(&t), t.len);
		buf_release(&t);
		return;
	}
	jw_arr(w);
	for (i = 0; i < rq->nparts; i++) {
		const struct part *pt = &rq->parts[i];
		char prefix[96];
		switch (pt->kind) {
		case PART_TEXT:
			text_part(w, pt->text, pt->len);
			break;
		case PART_IMAGE:
			if (rq->frame_labels && pt->frame_no >= 0) {
				buf_reset(&lab);
				wire_frame_label(pt, &lab);
				text_part(w, buf_cstr(&lab), lab.len);
			}
			snprintf(prefix, sizeof(prefix), "data:%s;base64,", pt->mime);
			jw_obj(w);
			jw_key(w, "type");
			jw_str(w, "image_url");
			jw_key(w, "image_url");
			jw_obj(w);
			jw_key(w, "url");
			wire_b64_value(w, prefix, pt);
			if (m->ep.detail) {
				jw_key(w, "detail");
				jw_str(w, m->ep.detail);
			}
			jw_end(w);
			jw_end(w);
			break;
		case PART_VIDEO:
			if (!st->video_url)
				break;
			snprintf(prefix, sizeof(prefix), "data:%s;base64,", pt->mime);
			jw_obj(w);
			jw_key(w, "type");
			jw_str(w, "video_url");
			jw_key(w, "video_url");
			jw_obj(w);
			jw_key(w, "url");
			wire_b64_value(w, prefix, pt);
			jw_end(w);
			jw_end(w);
			break;
		}
	}
	jw_end(w);
	buf_release(&lab);
}

static int oa_build(struct model *m, const struct request *rq, struct http_call *c)
{
	static const char *const sent_official[] = {
		"max_tokens", "max_new_tokens", "max_completion_tokens", "max_output_tokens",
		"temperature", "top_p", "seed", "stop", "presence_penalty", "frequency_penalty",
		"reasoning_effort", "response_format", NULL,
	};
	static const char *const sent_compat[] = {
		"max_tokens", "max_new_tokens", "max_completion_tokens", "max_output_tokens",
		"temperature", "top_p", "seed", "stop", "presence_penalty", "frequency_penalty",
		"reasoning_effort", "top_k", "min_p", "repetition_penalty", "response_format", NULL,
	};
	struct ostate *st = m->state;
	struct gen g;
	struct jw w;
	int stream = m->ep.stream > 0;

	gen_read(rq->generation, &g);
	gen_note_unsent(m, rq->generation, st->official ? sent_official : sent_compat, &st->noted);
	c->url = xasprintf("%s/chat/completions", m->ep.base_url);
	c->stream = stream;
	http_call_header(c, "Content-Type: application/json");
	if (m->ep.key)
		http_call_header(c, "Authorization: Bearer %s", m->ep.key);
	wire_request_begin(m, c, rq, &w);
	wire_put_str(m, &w, "model", m->ep.model);
	if (!wire_extra_has(m, "messages")) {
		jw_key(&w, "messages");
		jw_arr(&w);
		if (rq->system)
			wire_message(&w, "system", rq->system);
		jw_obj(&w);
		jw_key(&w, "role");
		jw_str(&w, "user");
		jw_key(&w, "content");
		user_content(m, rq, &w);
		jw_end(&w);
		jw_end(&w);
	}
	wire_put(m, &w, st->completion_field ? "max_completion_tokens" : "max_tokens", g.max_tokens);
	if (!st->reasoning) {
		wire_put(m, &w, "temperature", g.temperature);
		wire_put(m, &w, "top_p", g.top_p);
	}
	wire_put(m, &w, "seed", g.seed);
	wire_put(m, &w, "stop", g.stop);
	wire_put(m, &w, "presence_penalty", g.presence_penalty);
	wire_put(m, &w, "frequency_penalty", g.frequency_penalty);
	wire_put(m, &w, "reasoning_effort", g.reasoning_effort);
	wire_put(m, &w, "response_format", gen_get(rq->generation, "response_format"));
	if (!st->official) {
		wire_put(m, &w, "top_k", g.top_k);
		wire_put(m, &w, "min_p", g.min_p);
		wire_put(m, &w, "repetition_penalty", g.repetition_penalty);
	}
	if (stream && !wire_extra_has(m, "stream")) {
		jw_key(&w, "stream");
		jw_bool(&w, 1);
		if (!wire_extra_has(m, "stream_options")) {
			jw_key(&w, "stream_options");
			jw_raw(&w, "{\"include_usage\":true}");
		}
	}
	wire_extra_write(m, &w);
	jw_end(&w);
	if (c->body.overflow)
		return error("item '%s': the request body is larger than 1 GiB",
			     rq->it ? rq->it->id : "?");
	return 0;
}

static char *norm_finish(const char *f)
{
	if (!f)
		return NULL;
	return xstrdup(f);
}

/* content: a string, or an array of {"type":"text","text"} parts */
static void add_content(struct buf *out, const cJSON *c)
{
	const cJSON *p;

	if (cJSON_IsString(c)) {
		buf_adds(out, c->valuestring);
		return;
	}
	cJSON_ArrayForEach(p, c) {
		const char *t = json_get_str(p, "text");
		if (t)
			buf_adds(out, t);
	}
}

static void read_usage(const cJSON *u, struct answer *a)
{
	const cJSON *d;

	if (!cJSON_IsObject(u))
		return;
	a->in_tokens = wire_ll(json_get(u, "prompt_tokens"));
	a->out_tokens = wire_ll(json_get(u, "completion_tokens"));
	d = json_get(u, "completion_tokens_details");
	if (cJSON_IsObject(d) && json_get(d, "reasoning_tokens"))
		a->reasoning_tokens = wire_ll(json_get(d, "reasoning_tokens"));
}

static const char *reasoning_of(const cJSON *msg)
{
	const char *r = json_get_str(msg, "reasoning_content");

	return r ? r : json_get_str(msg, "reasoning");
}

struct sse_ctx {
	struct wire_text t;
	struct answer *a;
	char *finish;
	int done;
	char *error;
};

static int on_event(void *vctx, const char *event, const char *data, size_t n)
{
	struct sse_ctx *c = vctx;
	cJSON *j;
	const cJSON *ch, *delta, *err;

	(void)event;
	if (n >= 6 && !memcmp(data, "[DONE]", 6)) {
		c->done = 1;
		return 1;
	}
	j = json_parse_raw(data, n);
	if (!j)
		return 0;   /* unknown event: ignored */
	err = json_get(j, "error");
	if (err) {
		struct wire_err e;
		char *txt = cJSON_PrintUnformatted(j);
		wire_error_parse(txt, strlen(txt), &e);
		free(c->error);
		c->error = xasprintf("error in the stream: %s%s%s", e.type ? e.type : "",
				     e.type ? ": " : "", e.message);
		wire_err_release(&e);
		cJSON_free(txt);   /* cJSON's memory goes back through cJSON (lib/json.h) */
		cJSON_Delete(j);
		return 1;
	}
	ch = cJSON_GetArrayItem(json_get(j, "choices"), 0);
	delta = json_get(ch, "delta");
	if (delta) {
		const char *r = reasoning_of(delta);
		if (r)
			buf_adds(&c->t.think, r);
		if (json_get(delta, "content")) {
			add_content(&c->t.text, json_get(delta, "content"));
			c->t.any = 1;
		}
		if (json_get_str(delta, "refusal")) {
			free(c->finish);
			c->finish = xstrdup("refusal");
		}
	}
	if (json_get_str(ch, "finish_reason")) {
		free(c->finish);
		c->finish = norm_finish(json_get_str(ch, "finish_reason"));
	}
	read_usage(json_get(j, "usage"), c->a);
	cJSON_Delete(j);
	return 0;
}

static enum outcome parse_stream(const struct http_reply *r, struct answer *a, struct verdict *v)
{
	struct sse_ctx c;
	enum outcome o = OUT_OK;

	memset(&c, 0, sizeof(c));
	wire_text_init(&c.t);
	c.a = a;
	wire_sse_each(r->body, r->len, on_event, &c);
	if (c.error) {
		o = wire_bad_body(v, r->status, "%s", c.error);
	} else if (!c.done && !c.finish) {
		o = wire_bad_body(v, r->status, "the stream ended before its end (no [DONE], no "
				  "finish_reason): truncated");
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

/* A 400 that names a parameter this server refuses: switch and retry. */
static int adapt(struct model *m, const struct http_reply *r, struct verdict *v)
{
	struct ostate *st = m->state;
	struct wire_err e;
	int fixed = 0;

	if (r->status != 400 || r->curl_code)
		return 0;
	wire_error_parse(r->body, r->len, &e);
	if (e.param && e.code && (!strcmp(e.code, "unsupported_parameter") ||
				  !strcmp(e.code, "unsupported_value"))) {
		if (!strcmp(e.param, "max_tokens") && !st->completion_field) {
			st->completion_field = 1;
			warnf("model '%s': the server refuses max_tokens: sending max_completion_tokens",
			      m->spec);
			fixed = 1;
		} else if (!strcmp(e.param, "max_completion_tokens") && st->completion_field) {
			st->completion_field = 0;
			warnf("model '%s': the server refuses max_completion_tokens: sending max_tokens",
			      m->spec);
			fixed = 1;
		} else if ((!strcmp(e.param, "temperature") || !strcmp(e.param, "top_p")) &&
			   !st->reasoning) {
			st->reasoning = 1;
			warnf("model '%s': the server refuses '%s': temperature and top_p are no longer "
			      "sent", m->spec, e.param);
			fixed = 1;
		}
	}
	if (fixed) {
		v->outcome = OUT_RETRY;
		v->delay = 0;
		v->status = r->status;
		free(v->message);
		v->message = secret_scrub_dup(e.message);
	}
	wire_err_release(&e);
	return fixed;
}

static enum outcome oa_parse(struct model *m, const struct http_reply *r, struct answer *a,
			     struct verdict *v)
{
	cJSON *j;
	const cJSON *ch, *msg;
	struct wire_text t;
	enum outcome o = OUT_OK;

	if (r->curl_code || r->status < 200 || r->status > 299) {
		if (adapt(m, r, v))
			return OUT_RETRY;
		return wire_classify(r, v);
	}
	if (wire_looks_sse(r->body, r->len))
		return parse_stream(r, a, v);
	j = json_parse_raw(r->body, r->len);
	if (!j)
		return wire_bad_body(v, r->status, "HTTP %ld with a body that is not JSON (%zu bytes)",
				     r->status, r->len);
	if (json_get(j, "error") || (json_get_str(j, "object") &&
				     !strcmp(json_get_str(j, "object"), "error"))) {
		struct wire_err e;
		wire_error_parse(r->body, r->len, &e);
		o = wire_bad_body(v, r->status, "HTTP %ld carrying an error: %s", r->status, e.message);
		wire_err_release(&e);
		cJSON_Delete(j);
		return o;
	}
	ch = cJSON_GetArrayItem(json_get(j, "choices"), 0);
	if (!cJSON_IsObject(ch)) {
		cJSON_Delete(j);
		return wire_bad_body(v, r->status, "the response has no choices");
	}
	msg = json_get(ch, "message");
	wire_text_init(&t);
	if (reasoning_of(msg))
		buf_adds(&t.think, reasoning_of(msg));
	add_content(&t.text, json_get(msg, "content"));
	a->text = wire_text_finish(&t);
	wire_text_release(&t);
	if (!cJSON_IsString(json_get(msg, "content")) && json_get_str(msg, "refusal"))
		a->finish_reason = xstrdup("refusal");
	else
		a->finish_reason = norm_finish(json_get_str(ch, "finish_reason"));
	read_usage(json_get(j, "usage"), a);
	cJSON_Delete(j);
	return OUT_OK;
}

const struct adapter_ops adapter_openai = {
	.name = "openai",
	.summary = "OpenAI Chat Completions and compatible servers (vLLM, llama.cpp, SGLang, "
		   "LMDeploy, Ollama /v1)",
	.open = oa_open,
	.close = oa_close,
	.takes_clip = oa_takes_clip,
	.describe = oa_describe,
	.build = oa_build,
	.parse = oa_parse,
	.concurrency = 8,
};
