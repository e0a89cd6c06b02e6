/*
 * anthropic.c: the Anthropic Messages API.
 *
 *   anthropic:MODEL        https://api.anthropic.com/v1, key $ANTHROPIC_API_KEY
 *   anthropic@URL:MODEL    URL up to /v1 (a proxy); the key is still required
 *
 * Headers x-api-key and anthropic-version: 2023-06-01. The system prompt is
 * the top-level "system" field. Images are base64 "image" blocks (no data:
 * prefix, the media type in its own field). max_tokens is required by the
 * API: when the protocol sets none, 4096 is sent. No seed (the API has
 * none). Thinking blocks come back as a <think> block before the answer.
 */
#include "lib/common.h"
#include "adapters/adapter.h"
#include "adapters/wire.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define ANTHROPIC_BASE "https://api.anthropic.com/v1"
#define ANTHROPIC_VERSION "2023-06-01"
#define DEFAULT_MAX_TOKENS 4096

struct astate {
	int noted;
};

static int an_open(struct model *m, const struct suite *s)
{
	(void)s;
	m->state = xcalloc(1, sizeof(struct astate));
	if (!m->ep.base_url)
		m->ep.base_url = xstrdup(ANTHROPIC_BASE);
	return model_load_key(m, "ANTHROPIC_API_KEY", 1);
}

static void an_close(struct model *m)
{
	free(m->state);
	m->state = NULL;
}

static void an_describe(const struct model *m, struct jw *w)
{
	jw_key(w, "base_url");
	jw_str(w, m->ep.base_url);
	jw_key(w, "anthropic_version");
	jw_str(w, ANTHROPIC_VERSION);
	jw_key(w, "stream");
	jw_bool(w, m->ep.stream > 0);
}

static void text_block(struct jw *w, const char *t, size_t n)
{
	jw_obj(w);
	jw_key(w, "type");
	jw_str(w, "text");
	jw_key(w, "text");
	jw_strn(w, t, n);
	jw_end(w);
}

static int an_build(struct model *m, const struct request *rq, struct http_call *c)
{
	static const char *const sent[] = {
		"max_tokens", "max_new_tokens", "max_completion_tokens", "max_output_tokens",
		"temperature", "top_p", "top_k", "stop", NULL,
	};
	struct astate *st = m->state;
	struct buf lab = BUF_INIT;
	struct gen g;
	struct jw w;
	size_t i;
	int stream = m->ep.stream > 0;

	gen_read(rq->generation, &g);
	gen_note_unsent(m, rq->generation, sent, &st->noted);
	c->url = xasprintf("%s/messages", m->ep.base_url);
	c->stream = stream;
	http_call_header(c, "Content-Type: application/json");
	http_call_header(c, "anthropic-version: " ANTHROPIC_VERSION);
	if (m->ep.key)
		http_call_header(c, "x-api-key: %s", m->ep.key);
	wire_request_begin(m, c, rq, &w);
	wire_put_str(m, &w, "model", m->ep.model);
	if (!wire_extra_has(m, "max_tokens")) {
		jw_key(&w, "max_tokens");
		if (g.max_tokens)
			jw_value(&w, g.max_tokens);
		else
			jw_int(&w, DEFAULT_MAX_TOKENS);
	}
	if (rq->system && !wire_extra_has(m, "system")) {
		jw_key(&w, "system");
		jw_str(&w, rq->system);
	}
	if (!wire_extra_has(m, "messages")) {
		jw_key(&w, "messages");
		jw_arr(&w);
		jw_obj(&w);
		jw_key(&w, "role");
		jw_str(&w, "user");
		jw_key(&w, "content");
		jw_arr(&w);
		for (i = 0; i < rq->nparts; i++) {
			const struct part *pt = &rq->parts[i];
			if (pt->kind == PART_TEXT) {
				text_block(&w, pt->text, pt->len);
				continue;
			}
			if (pt->kind != PART_IMAGE)
				continue;
			if (rq->frame_labels && pt->frame_no >= 0) {
				buf_reset(&lab);
				wire_frame_label(pt, &lab);
				text_block(&w, buf_cstr(&lab), lab.len);
			}
			jw_obj(&w);
			jw_key(&w, "type");
			jw_str(&w, "image");
			jw_key(&w, "source");
			jw_obj(&w);
			jw_key(&w, "type");
			jw_str(&w, "base64");
			jw_key(&w, "media_type");
			jw_str(&w, pt->mime);
			jw_key(&w, "data");
			wire_b64_value(&w, NULL, pt);
			jw_end(&w);
			jw_end(&w);
		}
		jw_end(&w);
		jw_end(&w);
		jw_end(&w);
	}
	wire_put(m, &w, "temperature", g.temperature);
	wire_put(m, &w, "top_p", g.top_p);
	wire_put(m, &w, "top_k", g.top_k);
	if (g.stop && !wire_extra_has(m, "stop_sequences"))
		wire_stop_list(&w, "stop_sequences", g.stop);
	if (stream && !wire_extra_has(m, "stream")) {
		jw_key(&w, "stream");
		jw_bool(&w, 1);
	}
	wire_extra_write(m, &w);
	jw_end(&w);
	buf_release(&lab);
	if (c->body.overflow)
		return error("model '%s': the request body is larger than 1 GiB", m->spec);
	return 0;
}

static char *norm_stop(const char *s)
{
	if (!s)
		return NULL;
	if (!strcmp(s, "end_turn") || !strcmp(s, "stop_sequence"))
		return xstrdup("stop");
	if (!strcmp(s, "max_tokens") || !strcmp(s, "model_context_window_exceeded"))
		return xstrdup("length");
	if (!strcmp(s, "tool_use"))
		return xstrdup("tool_calls");
	return xstrdup(s);   /* refusal, pause_turn, ... */
}

static void read_usage(const cJSON *u, struct answer *a)
{
	long long in, c1, c2;

	if (!cJSON_IsObject(u))
		return;
	in = wire_ll(json_get(u, "input_tokens"));
	c1 = wire_ll(json_get(u, "cache_creation_input_tokens"));
	c2 = wire_ll(json_get(u, "cache_read_input_tokens"));
	if (in >= 0)
		a->in_tokens = in + (c1 > 0 ? c1 : 0) + (c2 > 0 ? c2 : 0);
	if (json_get(u, "output_tokens"))
		a->out_tokens = wire_ll(json_get(u, "output_tokens"));
}

static void add_blocks(struct wire_text *t, const cJSON *content)
{
	const cJSON *b;

	cJSON_ArrayForEach(b, content) {
		const char *type = json_get_str(b, "type");
		if (!type)
			continue;
		if (!strcmp(type, "text") && json_get_str(b, "text")) {
			buf_adds(&t->text, json_get_str(b, "text"));
			t->any = 1;
		} else if (!strcmp(type, "thinking") && json_get_str(b, "thinking")) {
			buf_adds(&t->think, json_get_str(b, "thinking"));
		}
	}
}

struct sse_ctx {
	struct wire_text t;
	struct answer *a;
	char *stop;
	int done, started;
	char *error;
};

static int on_event(void *vctx, const char *event, const char *data, size_t n)
{
	struct sse_ctx *c = vctx;
	cJSON *j = json_parse_raw(data, n);
	const char *type;

	if (!j)
		return 0;
	type = json_get_str(j, "type");
	if (!type)
		type = event ? event : "";
	if (!strcmp(type, "error") || (event && !strcmp(event, "error"))) {
		struct wire_err e;
		wire_error_parse(data, n, &e);
		free(c->error);
		c->error = xasprintf("error in the stream: %s%s%s", e.type ? e.type : "",
				     e.type ? ": " : "", e.message);
		wire_err_release(&e);
		cJSON_Delete(j);
		return 1;
	}
	if (!strcmp(type, "message_start")) {
		c->started = 1;
		read_usage(json_get(json_get(j, "message"), "usage"), c->a);
	} else if (!strcmp(type, "content_block_start")) {
		const cJSON *b = json_get(j, "content_block");
		const char *bt = json_get_str(b, "type");
		if (bt && !strcmp(bt, "text") && json_get_str(b, "text"))
			buf_adds(&c->t.text, json_get_str(b, "text"));
	} else if (!strcmp(type, "content_block_delta")) {
		const cJSON *d = json_get(j, "delta");
		const char *dt = json_get_str(d, "type");
		if (dt && !strcmp(dt, "text_delta") && json_get_str(d, "text"))
			buf_adds(&c->t.text, json_get_str(d, "text"));
		else if (dt && !strcmp(dt, "thinking_delta") && json_get_str(d, "thinking"))
			buf_adds(&c->t.think, json_get_str(d, "thinking"));
	} else if (!strcmp(type, "message_delta")) {
		const char *sr = json_get_str(json_get(j, "delta"), "stop_reason");
		const cJSON *u = json_get(j, "usage");
		if (sr) {
			free(c->stop);
			c->stop = norm_stop(sr);
		}
		if (cJSON_IsObject(u) && json_get(u, "output_tokens"))
			c->a->out_tokens = wire_ll(json_get(u, "output_tokens"));
		if (cJSON_IsObject(u) && json_get(u, "input_tokens"))
			read_usage(u, c->a);
	} else if (!strcmp(type, "message_stop")) {
		c->done = 1;
		cJSON_Delete(j);
		return 1;
	}
	cJSON_Delete(j);
	return 0;
}

static enum outcome an_parse(struct model *m, const struct http_reply *r, struct answer *a,
			     struct verdict *v)
{
	struct wire_text t;
	cJSON *j;
	enum outcome o = OUT_OK;

	(void)m;
	if (r->curl_code || r->status < 200 || r->status > 299)
		return wire_classify(r, v);
	if (wire_looks_sse(r->body, r->len)) {
		struct sse_ctx c;
		memset(&c, 0, sizeof(c));
		wire_text_init(&c.t);
		c.a = a;
		wire_sse_each(r->body, r->len, on_event, &c);
		if (c.error)
			o = wire_bad_body(v, r->status, "%s", c.error);
		else if (!c.done)
			o = wire_bad_body(v, r->status, "the stream ended before message_stop: "
					  "truncated");
		else {
			a->text = wire_text_finish(&c.t);
			a->finish_reason = c.stop;
			c.stop = NULL;
		}
		free(c.stop);
		free(c.error);
		wire_text_release(&c.t);
		return o;
	}
	j = json_parse_raw(r->body, r->len);
	if (!j)
		return wire_bad_body(v, r->status, "HTTP %ld with a body that is not JSON (%zu bytes)",
				     r->status, r->len);
	if (json_get(j, "error")) {
		struct wire_err e;
		wire_error_parse(r->body, r->len, &e);
		o = wire_bad_body(v, r->status, "HTTP %ld carrying an error: %s", r->status, e.message);
		wire_err_release(&e);
		cJSON_Delete(j);
		return o;
	}
	if (!cJSON_IsArray(json_get(j, "content"))) {
		cJSON_Delete(j);
		return wire_bad_body(v, r->status, "the response has no content");
	}
	wire_text_init(&t);
	add_blocks(&t, json_get(j, "content"));
	a->text = wire_text_finish(&t);
	wire_text_release(&t);
	a->finish_reason = norm_stop(json_get_str(j, "stop_reason"));
	read_usage(json_get(j, "usage"), a);
	cJSON_Delete(j);
	return OUT_OK;
}

const struct adapter_ops adapter_anthropic = {
	.name = "anthropic",
	.summary = "Anthropic Messages API",
	.open = an_open,
	.close = an_close,
	.describe = an_describe,
	.build = an_build,
	.parse = an_parse,
	.concurrency = 8,
};
