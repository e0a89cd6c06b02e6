/*
 * ollama.c: Ollama's native /api/chat.
 *
 *   ollama:MODEL         $OLLAMA_HOST or http://127.0.0.1:11434 (no key)
 *   ollama@URL:MODEL     another server; a key only when named (--key-env)
 *
 * Images go in the user message's "images" list as raw base64 (no data:
 * prefix), in layout order; they cannot be interleaved with text, so with
 * protocol "frame_labels" the frame times are listed before the prompt
 * ("Frames at t=0.00s, 0.50s, ..."). Sampling goes in "options"
 * (temperature, top_p, top_k, seed, num_predict, stop, repeat_penalty,
 * min_p); "stream" is sent explicitly (Ollama streams by default).
 * Durations in the reply are nanoseconds; "thinking" comes back as a
 * <think> block.
 */
#include "lib/common.h"
#include "adapters/adapter.h"
#include "adapters/wire.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#include <strings.h>

struct olstate {
	int noted;
};

static char *default_base(void)
{
	const char *h = getenv("OLLAMA_HOST");
	char *s, *u;

	if (!h || !*h)
		return xstrdup("http://127.0.0.1:11434");
	if (!strncmp(h, "http://", 7) || !strncmp(h, "https://", 8))
		s = xstrdup(h);
	else if (!strncmp(h, "0.0.0.0", 7))
		s = xasprintf("http://127.0.0.1%s", h + 7);
	else
		s = xasprintf("http://%s", h);
	u = s + strlen(s);
	while (u > s && u[-1] == '/')
		*--u = 0;
	if (!strchr(strstr(s, "://") + 3, ':')) {
		u = xasprintf("%s:11434", s);
		free(s);
		s = u;
	}
	return s;
}

static int ol_open(struct model *m, const struct suite *s)
{
	(void)s;
	m->state = xcalloc(1, sizeof(struct olstate));
	if (!m->ep.base_url)
		m->ep.base_url = default_base();
	return model_load_key(m, NULL, 0);
}

static void ol_close(struct model *m)
{
	free(m->state);
	m->state = NULL;
}

static void ol_describe(const struct model *m, struct jw *w)
{
	jw_key(w, "base_url");
	jw_str(w, m->ep.base_url);
	jw_key(w, "stream");
	jw_bool(w, m->ep.stream > 0);
}

static int ol_build(struct model *m, const struct request *rq, struct http_call *c)
{
	static const char *const sent[] = {
		"max_tokens", "max_new_tokens", "max_completion_tokens", "max_output_tokens",
		"temperature", "top_p", "top_k", "seed", "stop", "min_p", "repetition_penalty",
		"presence_penalty", "frequency_penalty", NULL,
	};
	struct olstate *st = m->state;
	struct buf content = BUF_INIT;
	struct gen g;
	struct jw w;
	size_t i, nimg = 0;
	int stream = m->ep.stream > 0, open = 0;

	gen_read(rq->generation, &g);
	gen_note_unsent(m, rq->generation, sent, &st->noted);
	c->url = xasprintf("%s/api/chat", m->ep.base_url);
	c->stream = stream;
	http_call_header(c, "Content-Type: application/json");
	if (m->ep.key)
		http_call_header(c, "Authorization: Bearer %s", m->ep.key);

	if (rq->frame_labels) {
		int first = 1;
		for (i = 0; i < rq->nparts; i++) {
			const struct part *pt = &rq->parts[i];
			if (pt->kind != PART_IMAGE || pt->frame_no < 0 || pt->pts < 0)
				continue;
			buf_addf(&content, "%s%.2fs", first ? "Frames at t=" : ", ", pt->pts);
			first = 0;
		}
		if (!first)
			buf_adds(&content, "\n");
	}
	for (i = 0; i < rq->nparts; i++) {
		if (rq->parts[i].kind == PART_TEXT)
			buf_add(&content, rq->parts[i].text, rq->parts[i].len);
		else if (rq->parts[i].kind == PART_IMAGE)
			nimg++;
	}

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
		jw_strn(&w, buf_cstr(&content), content.len);
		if (nimg) {
			jw_key(&w, "images");
			jw_arr(&w);
			for (i = 0; i < rq->nparts; i++)
				if (rq->parts[i].kind == PART_IMAGE)
					wire_b64_value(&w, NULL, &rq->parts[i]);
			jw_end(&w);
		}
		jw_end(&w);
		jw_end(&w);
	}
	if (!wire_extra_has(m, "stream")) {
		jw_key(&w, "stream");
		jw_bool(&w, stream);
	}
	if (!wire_extra_has(m, "options")) {
		wire_put_in(&w, "options", &open, "num_predict", g.max_tokens);
		wire_put_in(&w, "options", &open, "temperature", g.temperature);
		wire_put_in(&w, "options", &open, "top_p", g.top_p);
		wire_put_in(&w, "options", &open, "top_k", g.top_k);
		wire_put_in(&w, "options", &open, "min_p", g.min_p);
		wire_put_in(&w, "options", &open, "seed", g.seed);
		wire_put_in(&w, "options", &open, "repeat_penalty", g.repetition_penalty);
		wire_put_in(&w, "options", &open, "presence_penalty", g.presence_penalty);
		wire_put_in(&w, "options", &open, "frequency_penalty", g.frequency_penalty);
		if (g.stop) {
			wire_open_in(&w, "options", &open);
			wire_stop_list(&w, "stop", g.stop);
		}
		if (open)
			jw_end(&w);
	}
	wire_extra_write(m, &w);
	jw_end(&w);
	buf_release(&content);
	if (c->body.overflow)
		return error("model '%s': the request body is larger than 1 GiB", m->spec);
	return 0;
}

struct acc {
	struct wire_text t;
	struct answer *a;
	char *finish;
	int done;
	char *error;
};

static void take(struct acc *c, const cJSON *j)
{
	const cJSON *msg = json_get(j, "message");

	if (json_get_str(msg, "thinking"))
		buf_adds(&c->t.think, json_get_str(msg, "thinking"));
	if (json_get_str(msg, "content"))
		buf_adds(&c->t.text, json_get_str(msg, "content"));
	if (json_get_str(j, "done_reason")) {
		free(c->finish);
		c->finish = xstrdup(json_get_str(j, "done_reason"));
	}
	if (json_get(j, "prompt_eval_count"))
		c->a->in_tokens = wire_ll(json_get(j, "prompt_eval_count"));
	if (json_get(j, "eval_count"))
		c->a->out_tokens = wire_ll(json_get(j, "eval_count"));
	if (cJSON_IsTrue(json_get(j, "done")))
		c->done = 1;
}

static int on_line(void *vctx, const char *line, size_t n)
{
	struct acc *c = vctx;
	cJSON *j = cJSON_ParseWithLength(line, n);
	const cJSON *e;

	if (!j) {
		free(c->error);
		c->error = xstrdup("a line of the stream is not JSON");
		return 1;
	}
	e = json_get(j, "error");
	if (e) {
		struct wire_err we;
		wire_error_parse(line, n, &we);
		free(c->error);
		c->error = xasprintf("error in the stream: %s", we.message);
		wire_err_release(&we);
		cJSON_Delete(j);
		return 1;
	}
	take(c, j);
	cJSON_Delete(j);
	return c->done;
}

static enum outcome ol_parse(struct model *m, const struct http_reply *r, struct answer *a,
			     struct verdict *v)
{
	struct acc c;
	enum outcome o = OUT_OK;

	(void)m;
	if (r->curl_code || r->status < 200 || r->status > 299)
		return wire_classify(r, v);
	memset(&c, 0, sizeof(c));
	wire_text_init(&c.t);
	c.a = a;
	wire_lines_each(r->body, r->len, on_line, &c);
	if (c.error)
		o = wire_bad_body(v, r->status, "%s", c.error);
	else if (!c.done)
		o = wire_bad_body(v, r->status, "the response ended before \"done\": true: truncated");
	else {
		a->text = wire_text_finish(&c.t);
		a->finish_reason = c.finish;
		c.finish = NULL;
	}
	free(c.finish);
	free(c.error);
	wire_text_release(&c.t);
	return o;
}

const struct adapter_ops adapter_ollama = {
	.name = "ollama",
	.summary = "Ollama native /api/chat",
	.open = ol_open,
	.close = ol_close,
	.describe = ol_describe,
	.build = ol_build,
	.parse = ol_parse,
	.concurrency = 4,
};
