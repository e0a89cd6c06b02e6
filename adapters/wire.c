#include "lib/common.h"
#include "adapters/wire.h"
#include "adapters/http/httpq.h"
#include "lib/log.h"
#include "adapters/http/ratelimit.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <ctype.h>
#include <curl/curl.h>
#include <strings.h>

static int ci_contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (!hay)
		return 0;
	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return 1;
	return 0;
}

static int same_number(const char *s, long n)
{
	long v;

	return parse_long(s, &v) == 0 && v == n;
}

/* A string or a number as text (codes are either). */
static char *str_or_num(const cJSON *v)
{
	if (cJSON_IsString(v) && v->valuestring)
		return xstrdup(v->valuestring);
	if (cJSON_IsNumber(v)) {
		if (v->valuestring)
			return xstrdup(v->valuestring);
		return xasprintf("%.0f", v->valuedouble);
	}
	return NULL;
}

/* Non-JSON body: strip tags and collapse whitespace, at most 200 chars. */
static char *clean_text(const char *body, size_t len)
{
	struct buf b = BUF_INIT;
	size_t i;
	int in_tag = 0, sp = 0;

	for (i = 0; i < len && b.len < 200; i++) {
		unsigned char c = (unsigned char)body[i];
		if (c == '<') {
			in_tag = 1;
			continue;
		}
		if (in_tag) {
			if (c == '>') {
				in_tag = 0;
				sp = b.len > 0;
			}
			continue;
		}
		if (isspace(c) || c < 0x20) {
			sp = b.len > 0;
			continue;
		}
		if (sp)
			buf_addch(&b, ' ');
		sp = 0;
		buf_addch(&b, c);
	}
	if (!b.len)
		buf_adds(&b, len ? "(a body that is not text)" : "(empty body)");
	else if (i < len)
		buf_adds(&b, "...");
	return buf_detach(&b, NULL);
}

void wire_error_parse(const char *body, size_t len, struct wire_err *e)
{
	cJSON *tree, *root;
	const cJSON *err;

	memset(e, 0, sizeof(*e));
	tree = len ? json_parse_raw(body, len) : NULL;
	root = tree;
	/* Vertex: [{"error": {...}}] */
	if (cJSON_IsArray(root) && cJSON_GetArraySize(root) > 0)
		root = cJSON_GetArrayItem(root, 0);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(tree);
		e->message = clean_text(body, len);
		return;
	}
	err = json_get(root, "error");
	if (cJSON_IsString(err)) {
		/* Ollama {"error": "..."} */
		e->message = xstrdup(err->valuestring);
	} else if (cJSON_IsObject(err)) {
		/* OpenAI, vLLM, llama.cpp, Anthropic, Gemini */
		e->message = str_or_num(json_get(err, "message"));
		e->type = str_or_num(json_get(err, "type"));
		if (!e->type)
			e->type = str_or_num(json_get(err, "status"));
		e->code = str_or_num(json_get(err, "code"));
		e->param = str_or_num(json_get(err, "param"));
	} else if (json_get(root, "message")) {
		/* SGLang / LMDeploy flat, or Gemini fields at the root */
		e->message = str_or_num(json_get(root, "message"));
		e->type = str_or_num(json_get(root, "type"));
		if (!e->type)
			e->type = str_or_num(json_get(root, "status"));
		e->code = str_or_num(json_get(root, "code"));
		e->param = str_or_num(json_get(root, "param"));
	}
	if (!e->message) {
		char *p = cJSON_PrintUnformatted(root);
		e->message = clean_text(p ? p : "", p ? strlen(p) : 0);
		cJSON_free(p);   /* cJSON's memory goes back through cJSON (lib/json.h) */
	}
	/* keep the object that holds "error" (details for Gemini) */
	if (root != tree) {
		cJSON_DetachItemViaPointer(tree, root);
		cJSON_Delete(tree);
	}
	e->tree = root;
}

void wire_err_release(struct wire_err *e)
{
	free(e->message);
	free(e->type);
	free(e->code);
	free(e->param);
	cJSON_Delete(e->tree);
	memset(e, 0, sizeof(*e));
}

static const cJSON *gemini_details(const cJSON *tree)
{
	const cJSON *err = json_get(tree, "error");

	return json_get(cJSON_IsObject(err) ? err : tree, "details");
}

static const cJSON *detail_of(const cJSON *tree, const char *type_suffix)
{
	const cJSON *d;
	size_t n = strlen(type_suffix);

	cJSON_ArrayForEach(d, gemini_details(tree)) {
		const char *t = json_get_str(d, "@type");
		size_t tl = t ? strlen(t) : 0;
		if (t && tl >= n && !strcmp(t + tl - n, type_suffix))
			return d;
	}
	return NULL;
}

double wire_server_delay(const struct http_reply *r, const cJSON *tree)
{
	static const char *const oai[] = { "requests", "tokens" };
	static const char *const ant[] = { "requests", "tokens", "input-tokens", "output-tokens" };
	char v[256], name[96];
	double d = -1, t, best = -1;
	const cJSON *ri;
	size_t i;

	if (r->hdrs && httpq_header(r->hdrs, "retry-after-ms", v, sizeof(v)) &&
	    rl_parse_duration(v, &t) == 0 && t > 0)
		return t / 1000.0;
	if (r->hdrs && httpq_header(r->hdrs, "retry-after", v, sizeof(v)) &&
	    rl_parse_retry_after(v, r->now_wall, &t) == 0 && t > 0)
		return t;
	ri = detail_of(tree, "google.rpc.RetryInfo");
	if (ri && json_get_str(ri, "retryDelay") &&
	    rl_parse_duration(json_get_str(ri, "retryDelay"), &t) == 0 && t > 0)
		return t;
	if (!r->hdrs)
		return -1;
	for (i = 0; i < ARRAY_SIZE(oai); i++) {
		snprintf(name, sizeof(name), "x-ratelimit-remaining-%s", oai[i]);
		if (!httpq_header(r->hdrs, name, v, sizeof(v)) || strcmp(v, "0"))
			continue;
		snprintf(name, sizeof(name), "x-ratelimit-reset-%s", oai[i]);
		if (httpq_header(r->hdrs, name, v, sizeof(v)) && rl_parse_duration(v, &t) == 0 &&
		    t > best)
			best = t;
	}
	for (i = 0; i < ARRAY_SIZE(ant); i++) {
		snprintf(name, sizeof(name), "anthropic-ratelimit-%s-remaining", ant[i]);
		if (!httpq_header(r->hdrs, name, v, sizeof(v)) || strcmp(v, "0"))
			continue;
		snprintf(name, sizeof(name), "anthropic-ratelimit-%s-reset", ant[i]);
		if (httpq_header(r->hdrs, name, v, sizeof(v)) && rl_parse_rfc3339(v, &t) == 0 &&
		    t - r->now_wall > best)
			best = t - r->now_wall;
	}
	if (best > 0)
		d = best;
	return d;
}

static void set_message(struct verdict *v, struct buf *m)
{
	secret_scrub(m);
	free(v->message);
	v->message = buf_detach(m, NULL);
}

/* Fatal kinds recognised from the body, whatever the status. */
static const char *fatal_kind(long status, const struct wire_err *e)
{
	const cJSON *qf;

	if (e->code && (!strcmp(e->code, "insufficient_quota") ||
			!strcmp(e->code, "billing_hard_limit_reached")))
		return "quota exhausted (billing)";
	if (e->type && (!strcmp(e->type, "insufficient_quota") || !strcmp(e->type, "billing_error")))
		return "quota exhausted (billing)";
	if (e->type && (!strcmp(e->type, "authentication_error") ||
			!strcmp(e->type, "permission_error")))
		return "the key is refused";
	if (e->type && !strcmp(e->type, "FAILED_PRECONDITION"))
		return "the account cannot use this API (billing or region)";
	if (status == 400 && (ci_contains(e->message, "API key not valid") ||
			      (e->tree && detail_of(e->tree, "google.rpc.ErrorInfo") &&
			       json_get_str(detail_of(e->tree, "google.rpc.ErrorInfo"), "reason") &&
			       strstr(json_get_str(detail_of(e->tree, "google.rpc.ErrorInfo"), "reason"),
				      "API_KEY"))))
		return "the key is refused";
	qf = e->tree ? detail_of(e->tree, "google.rpc.QuotaFailure") : NULL;
	if (qf) {
		const cJSON *viol;
		cJSON_ArrayForEach(viol, json_get(qf, "violations")) {
			const char *id = json_get_str(viol, "quotaId");
			const char *val = json_get_str(viol, "quotaValue");
			if ((id && strstr(id, "PerDay")) || (val && !strcmp(val, "0")))
				return "daily quota exhausted";
		}
	}
	return NULL;
}

enum outcome wire_bad_body(struct verdict *v, long status, const char *fmt, ...)
{
	struct buf m = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&m, fmt, ap);
	va_end(ap);
	v->outcome = OUT_RETRY;
	v->delay = -1;
	v->status = status;
	set_message(v, &m);
	return OUT_RETRY;
}

enum outcome wire_classify(const struct http_reply *r, struct verdict *v)
{
	struct buf m = BUF_INIT;
	struct wire_err e;
	const char *fk;
	char sr[16], rid[128];
	int should = -1;

	v->delay = -1;
	v->overload = 0;
	v->rate_limited = 0;
	v->status = r->status;
	if (r->too_large) {
		buf_addf(&m, "the response is larger than the cap (%zu bytes read)", r->len);
		v->outcome = OUT_ITEM;
		set_message(v, &m);
		return v->outcome;
	}
	if (r->curl_code) {
		switch (r->curl_code) {
		case CURLE_UNSUPPORTED_PROTOCOL:
		case CURLE_URL_MALFORMAT:
		case CURLE_PEER_FAILED_VERIFICATION:
		case CURLE_SSL_CERTPROBLEM:
		case CURLE_SSL_CACERT_BADFILE:
			v->outcome = OUT_FATAL;
			break;
		default:
			v->outcome = OUT_RETRY;
			break;
		}
		buf_addf(&m, "%s (curl error %d)", r->curl_error && *r->curl_error ? r->curl_error :
			 curl_easy_strerror((CURLcode)r->curl_code), r->curl_code);
		if (r->status)
			buf_addf(&m, " after HTTP %ld", r->status);
		set_message(v, &m);
		return v->outcome;
	}
	wire_error_parse(r->body, r->len, &e);
	buf_addf(&m, "HTTP %ld", r->status);
	{
		int show_code = e.code && (!e.type || strcmp(e.code, e.type)) &&
				!same_number(e.code, r->status);
		if (e.type && show_code)
			buf_addf(&m, " (%s, %s)", e.type, e.code);
		else if (e.type || show_code)
			buf_addf(&m, " (%s)", e.type ? e.type : e.code);
	}
	buf_addf(&m, ": %s", e.message);
	if (r->hdrs && (httpq_header(r->hdrs, "x-request-id", rid, sizeof(rid)) ||
			httpq_header(r->hdrs, "request-id", rid, sizeof(rid))))
		buf_addf(&m, " [request %s]", rid);
	if (r->hdrs && httpq_header(r->hdrs, "x-should-retry", sr, sizeof(sr)))
		should = !strcasecmp(sr, "true") ? 1 : !strcasecmp(sr, "false") ? 0 : -1;

	fk = fatal_kind(r->status, &e);
	if (r->status == 408 || r->status == 409 || r->status == 429 ||
	    (r->status >= 500 && r->status != 501 && r->status != 505)) {
		v->outcome = OUT_RETRY;
		v->rate_limited = r->status == 429;
		v->overload = r->status == 529 || r->status == 503 ||
			      (e.type && !strcmp(e.type, "overloaded_error"));
	} else if (r->status == 401 || r->status == 402 || r->status == 403 || r->status == 404) {
		v->outcome = OUT_FATAL;
	} else {
		v->outcome = OUT_ITEM;
	}
	if (fk) {
		v->outcome = OUT_FATAL;
		buf_addf(&m, " -- %s", fk);
	}
	if (should == 1 && v->outcome != OUT_RETRY) {
		v->outcome = OUT_RETRY;
	} else if (should == 0 && v->outcome == OUT_RETRY) {
		v->outcome = OUT_ITEM;
		buf_adds(&m, " (x-should-retry: false)");
	}
	if (v->outcome == OUT_RETRY)
		v->delay = wire_server_delay(r, e.tree);
	wire_err_release(&e);
	set_message(v, &m);
	return v->outcome;
}

int wire_looks_sse(const char *body, size_t len)
{
	size_t i = 0;

	while (i < len && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t'))
		i++;
	return (len - i >= 5 && !memcmp(body + i, "data:", 5)) ||
	       (len - i >= 6 && !memcmp(body + i, "event:", 6)) ||
	       (len - i >= 1 && body[i] == ':');
}

int wire_sse_each(const char *body, size_t len,
		  int (*cb)(void *ctx, const char *event, const char *data, size_t dlen), void *ctx)
{
	struct buf data = BUF_INIT, ev = BUF_INIT;
	size_t i = 0;
	int have = 0, stop = 0, sse = wire_looks_sse(body, len);

	while (i <= len && !stop) {
		size_t s = i, e;
		const char *line;
		size_t n;
		int eof = i == len;

		while (i < len && body[i] != '\n' && body[i] != '\r')
			i++;
		e = i;
		if (i < len) {
			if (body[i] == '\r' && i + 1 < len && body[i + 1] == '\n')
				i++;
			i++;
		} else {
			i = len + 1;
		}
		line = body + s;
		n = e - s;
		if (n == 0) {
			if (have)
				stop = cb(ctx, ev.len ? buf_cstr(&ev) : NULL, buf_cstr(&data), data.len);
			have = 0;
			buf_reset(&data);
			buf_reset(&ev);
			if (eof)
				break;
			continue;
		}
		if (line[0] == ':')
			continue;
		{
			const char *colon = memchr(line, ':', n);
			size_t fl = colon ? (size_t)(colon - line) : n;
			const char *val = colon ? colon + 1 : line + n;
			size_t vl = colon ? n - fl - 1 : 0;
			if (vl && *val == ' ') {
				val++;
				vl--;
			}
			if (fl == 4 && !memcmp(line, "data", 4)) {
				if (have && data.len)
					buf_addch(&data, '\n');
				buf_add(&data, val, vl);
				have = 1;
			} else if (fl == 5 && !memcmp(line, "event", 5)) {
				buf_reset(&ev);
				buf_add(&ev, val, vl);
				have = 1;
			} else if (fl == 5 && !memcmp(line, "error", 5)) {
				/* legacy llama.cpp "error: {...}" */
				buf_reset(&ev);
				buf_adds(&ev, "error");
				if (data.len)
					buf_addch(&data, '\n');
				buf_add(&data, val, vl);
				have = 1;
			}
			/* id:, retry: and unknown fields are ignored */
		}
		if (eof)
			break;
	}
	if (have && !stop)
		cb(ctx, ev.len ? buf_cstr(&ev) : NULL, buf_cstr(&data), data.len);
	buf_release(&data);
	buf_release(&ev);
	return sse;
}

void wire_lines_each(const char *body, size_t len,
		     int (*cb)(void *ctx, const char *line, size_t n), void *ctx)
{
	size_t i = 0;

	while (i < len) {
		size_t s = i, e;
		while (i < len && body[i] != '\n')
			i++;
		e = i;
		if (e > s && body[e - 1] == '\r')
			e--;
		i++;
		while (s < e && (body[s] == ' ' || body[s] == '\t'))
			s++;
		if (e > s && cb(ctx, body + s, e - s))
			break;
	}
}

const cJSON *gen_get(const cJSON *gen, const char *key)
{
	const cJSON *v = json_get(gen, key);

	return v && !cJSON_IsNull(v) ? v : NULL;
}

int gen_num(const cJSON *gen, const char *key, double *out)
{
	const cJSON *v = gen_get(gen, key);

	if (cJSON_IsNumber(v)) {
		*out = v->valuedouble;
		return 1;
	}
	if (cJSON_IsBool(v)) {
		*out = cJSON_IsTrue(v);
		return 1;
	}
	return 0;
}

int gen_int(const cJSON *gen, const char *key, long long *out)
{
	double d;

	if (!gen_num(gen, key, &d))
		return 0;
	*out = (long long)d;
	return 1;
}

void gen_write_num(struct jw *w, const char *key, const cJSON *v)
{
	jw_key(w, key);
	jw_value(w, v);
}

void wire_open_in(struct jw *w, const char *obj, int *open)
{
	if (!*open) {
		jw_key(w, obj);
		jw_obj(w);
		*open = 1;
	}
}

void wire_put_in(struct jw *w, const char *obj, int *open, const char *key, const cJSON *v)
{
	if (!v)
		return;
	wire_open_in(w, obj, open);
	jw_key(w, key);
	jw_value(w, v);
}

void wire_stop_list(struct jw *w, const char *key, const cJSON *stop)
{
	jw_key(w, key);
	if (cJSON_IsString(stop)) {
		jw_arr(w);
		jw_str(w, stop->valuestring);
		jw_end(w);
	} else {
		jw_value(w, stop);
	}
}

void wire_frame_label(const struct part *pt, struct buf *out)
{
	if (pt->pts >= 0)
		buf_addf(out, "Frame %d (t=%.2fs):", pt->frame_no + 1, pt->pts);
	else
		buf_addf(out, "Frame %d:", pt->frame_no + 1);
}

int wire_extra_has(const struct model *m, const char *key)
{
	return m->ep.body && json_get(m->ep.body, key) != NULL;
}

void wire_extra_write(const struct model *m, struct jw *w)
{
	const cJSON *k;

	cJSON_ArrayForEach(k, m->ep.body) {
		jw_key(w, k->string);
		jw_value(w, k);
	}
}

void wire_b64_value(struct jw *w, const char *prefix, const struct part *pt)
{
	jw_raw(w, "\"");
	if (prefix)
		json_escape(w->out, prefix, strlen(prefix));
	if (pt->b64_len >= WIRE_REF_MIN)
		jw_ref(w, pt->b64, pt->b64_len);
	else
		buf_add(w->out, pt->b64, pt->b64_len);
	buf_addch(w->out, '"');
}

void wire_text_init(struct wire_text *t)
{
	buf_init(&t->think, BUF_MAX_DEFAULT);
	buf_init(&t->text, BUF_MAX_DEFAULT);
	t->any = 0;
}

void wire_text_release(struct wire_text *t)
{
	buf_release(&t->think);
	buf_release(&t->text);
}

char *wire_text_finish(struct wire_text *t)
{
	struct buf out = BUF_INIT;

	if (t->think.len) {
		buf_adds(&out, "<think>");
		buf_addbuf(&out, &t->think);
		buf_adds(&out, "</think>");
		if (t->text.len && buf_cstr(&t->text)[0] != '\n')
			buf_addch(&out, '\n');
	}
	buf_addbuf(&out, &t->text);
	return buf_detach(&out, NULL);
}

long long wire_ll(const cJSON *v)
{
	long l;

	if (cJSON_IsNumber(v))
		return (long long)v->valuedouble;
	if (cJSON_IsString(v) && v->valuestring && parse_long(v->valuestring, &l) == 0)
		return l;
	return -1;
}

void gen_read(const cJSON *g, struct gen *o)
{
	memset(o, 0, sizeof(*o));
	o->max_tokens = gen_get(g, "max_tokens");
	if (!o->max_tokens)
		o->max_tokens = gen_get(g, "max_new_tokens");
	if (!o->max_tokens)
		o->max_tokens = gen_get(g, "max_completion_tokens");
	if (!o->max_tokens)
		o->max_tokens = gen_get(g, "max_output_tokens");
	o->temperature = gen_get(g, "temperature");
	o->top_p = gen_get(g, "top_p");
	o->top_k = gen_get(g, "top_k");
	o->seed = gen_get(g, "seed");
	o->stop = gen_get(g, "stop");
	o->presence_penalty = gen_get(g, "presence_penalty");
	o->frequency_penalty = gen_get(g, "frequency_penalty");
	o->reasoning_effort = gen_get(g, "reasoning_effort");
	o->min_p = gen_get(g, "min_p");
	o->repetition_penalty = gen_get(g, "repetition_penalty");
}

void gen_note_unsent(const struct model *m, const cJSON *g, const char *const *sent, int *noted)
{
	struct buf b = BUF_INIT;
	const cJSON *k;
	size_t i;

	if (*noted)
		return;
	*noted = 1;
	cJSON_ArrayForEach(k, g) {
		if (cJSON_IsNull(k))
			continue;
		for (i = 0; sent[i]; i++)
			if (!strcmp(sent[i], k->string))
				break;
		if (!sent[i])
			buf_addf(&b, "%s'%s'", b.len ? ", " : "", k->string);
	}
	if (b.len)
		notef("model '%s': generation settings not sent by the %s adapter: %s", m->spec,
		      m->ops->name, buf_cstr(&b));
	buf_release(&b);
}

void wire_body_init(struct http_call *c, const struct request *rq)
{
	size_t need = 4096 + (rq->system ? strlen(rq->system) * 2 : 0), i;

	for (i = 0; i < rq->nparts; i++)
		need += rq->parts[i].kind == PART_TEXT ? rq->parts[i].len * 2 + 64 :
			rq->parts[i].b64_len >= WIRE_REF_MIN ? 256 : rq->parts[i].b64_len + 256;
	buf_init(&c->body, (size_t)1 << 30);
	buf_grow(&c->body, need);
}

void wire_request_begin(const struct model *m, struct http_call *c, const struct request *rq,
			struct jw *w)
{
	size_t i;

	for (i = 0; i < m->ep.nheaders; i++)
		http_call_header(c, "%s", m->ep.headers[i]);
	wire_body_init(c, rq);
	jw_init(w, &c->body, 0);
	w->refs = &c->refs;
	jw_obj(w);
}

void wire_put_str(const struct model *m, struct jw *w, const char *key, const char *s)
{
	if (wire_extra_has(m, key))
		return;
	jw_key(w, key);
	jw_str(w, s);
}

void wire_put(const struct model *m, struct jw *w, const char *key, const cJSON *v)
{
	if (!v || wire_extra_has(m, key))
		return;
	jw_key(w, key);
	jw_value(w, v);
}

void wire_message(struct jw *w, const char *role, const char *text)
{
	jw_obj(w);
	jw_key(w, "role");
	jw_str(w, role);
	jw_key(w, "content");
	jw_str(w, text);
	jw_end(w);
}
