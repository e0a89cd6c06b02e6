/* Unit tests: model specs, the seven error body shapes, the retry
 * classification, server delays, SSE framing, request bodies and response
 * parsing for each dialect, secret scrubbing. */
#include "lib/common.h"
#include "adapters/adapter.h"
#include "adapters/wire.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#include <curl/curl.h>
#include <math.h>
#include <setjmp.h>
#include <unistd.h>
#include <cmocka.h>

/* ---- specs ---- */

static void spec(const char *s, const char *a, const char *u, const char *r)
{
	char *aa, *uu, *rr;

	if (!a) {
		assert_int_equal(model_spec_split(s, &aa, &uu, &rr), -1);
		return;
	}
	assert_int_equal(model_spec_split(s, &aa, &uu, &rr), 0);
	assert_string_equal(aa, a);
	if (u)
		assert_string_equal(uu, u);
	else
		assert_null(uu);
	assert_string_equal(rr, r);
	free(aa);
	free(uu);
	free(rr);
}

static void test_spec_split(void **state)
{
	(void)state;
	spec("openai:gpt-4o", "openai", NULL, "gpt-4o");
	spec("openai@http://127.0.0.1:8000/v1:Qwen2.5-VL-7B-Instruct", "openai", "http://127.0.0.1:8000/v1",
	     "Qwen2.5-VL-7B-Instruct");
	spec("ollama:qwen2.5vl:7b", "ollama", NULL, "qwen2.5vl:7b");
	spec("ollama@http://h:11434:qwen2.5vl:7b", "ollama", "http://h:11434", "qwen2.5vl:7b");
	spec("openai@https://router.example/api/v1/:org/model:free", "openai",
	     "https://router.example/api/v1", "org/model:free");
	spec("openai@http://[::1]:8000/v1:m", "openai", "http://[::1]:8000/v1", "m");
	spec("gemini@https://host/v1beta:gemini-2.5-flash", "gemini", "https://host/v1beta", "gemini-2.5-flash");
	spec("command:python3 w.py --x 1", "command", NULL, "python3 w.py --x 1");
	spec("openai@nonsense", NULL, NULL, NULL);
	spec("openai@http://h:8000/v1", NULL, NULL, NULL);
	spec("openai@http://h:8000/v1:", NULL, NULL, NULL);
	spec(":x", NULL, NULL, NULL);
	spec("plainname", NULL, NULL, NULL);
}

/* ---- error bodies ---- */

static void err_is(const char *body, const char *msg, const char *type, const char *code)
{
	struct wire_err e;

	wire_error_parse(body, strlen(body), &e);
	assert_string_equal(e.message, msg);
	if (type)
		assert_string_equal(e.type, type);
	else
		assert_null(e.type);
	if (code)
		assert_string_equal(e.code, code);
	else
		assert_null(e.code);
	wire_err_release(&e);
}

static void test_error_shapes(void **state)
{
	(void)state;
	err_is("{\"error\": {\"message\": \"Rate limit reached\", \"type\": \"requests\", \"param\": null, "
	       "\"code\": \"rate_limit_exceeded\"}}", "Rate limit reached", "requests", "rate_limit_exceeded");
	err_is("{\"error\": {\"message\": \"At most 2 image(s) may be provided in one prompt.\", \"type\": "
	       "\"BadRequestError\", \"param\": \"image\", \"code\": 400}}",
	       "At most 2 image(s) may be provided in one prompt.", "BadRequestError", "400");
	err_is("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"},"
	       "\"request_id\":\"req_1\"}", "Overloaded", "overloaded_error", NULL);
	err_is("{\"error\": {\"code\": 429, \"message\": \"quota\", \"status\": \"RESOURCE_EXHAUSTED\"}}", "quota",
	       "RESOURCE_EXHAUSTED", "429");
	err_is("[{\"error\": {\"code\": 429, \"message\": \"Resource exhausted.\", \"status\": \"RESOURCE_EXHAUSTED\"}}]",
	       "Resource exhausted.", "RESOURCE_EXHAUSTED", "429");
	err_is("{\"error\":\"server busy, please try again.\"}", "server busy, please try again.", NULL, NULL);
	err_is("{\"object\":\"error\",\"message\":\"The input is too long\",\"type\":\"invalid_request_error\","
	       "\"code\":400,\"param\":null}", "The input is too long", "invalid_request_error", "400");
	err_is("<html><head><title>413 Request Entity Too Large</title></head><body><h1>413 Request Entity Too "
	       "Large</h1></body></html>", "413 Request Entity Too Large 413 Request Entity Too Large", NULL, NULL);
	err_is("", "(empty body)", NULL, NULL);
	err_is("{\"detail\": \"Not Found\"}", "{\"detail\":\"Not Found\"}", NULL, NULL);
	err_is("{\"error\": {\"code\": 503, \"message\": \"Loading model\", \"type\": \"unavailable_error\"}}",
	       "Loading model", "unavailable_error", "503");
	{
		/* long text is cut */
		struct buf b = BUF_INIT;
		struct wire_err e;
		int i;
		for (i = 0; i < 100; i++)
			buf_adds(&b, "word ");
		wire_error_parse(buf_cstr(&b), b.len, &e);
		assert_true(strlen(e.message) <= 204);
		assert_non_null(strstr(e.message, "..."));
		wire_err_release(&e);
		buf_release(&b);
	}
}

/* ---- classification ---- */

struct cls {
	enum outcome o;
	double delay;
	int overload, rate;
	char msg[512];
};

static struct cls classify(long status, int curl_code, const char *headers, const char *body)
{
	struct buf h = BUF_INIT;
	struct http_reply r;
	struct verdict v;
	struct cls c;

	memset(&r, 0, sizeof(r));
	memset(&v, 0, sizeof(v));
	buf_adds(&h, headers ? headers : "");
	r.status = status;
	r.curl_code = curl_code;
	r.curl_error = curl_code ? "boom" : "";
	r.body = body ? body : "";
	r.len = strlen(r.body);
	r.hdrs = &h;
	r.now_wall = 1755780000;
	c.o = wire_classify(&r, &v);
	c.delay = v.delay;
	c.overload = v.overload;
	c.rate = v.rate_limited;
	snprintf(c.msg, sizeof(c.msg), "%s", v.message ? v.message : "");
	verdict_release(&v);
	buf_release(&h);
	return c;
}

static void test_classify(void **state)
{
	static const struct { long st; enum outcome o; } table[] = {
		{ 400, OUT_ITEM }, { 401, OUT_FATAL }, { 402, OUT_FATAL }, { 403, OUT_FATAL },
		{ 404, OUT_FATAL }, { 405, OUT_ITEM }, { 408, OUT_RETRY }, { 409, OUT_RETRY },
		{ 413, OUT_ITEM }, { 422, OUT_ITEM }, { 429, OUT_RETRY }, { 500, OUT_RETRY },
		{ 501, OUT_ITEM }, { 502, OUT_RETRY }, { 503, OUT_RETRY }, { 504, OUT_RETRY },
		{ 529, OUT_RETRY },
	};
	struct cls c;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(table); i++) {
		c = classify(table[i].st, 0, NULL, "{\"error\":{\"message\":\"x\"}}");
		assert_int_equal(c.o, table[i].o);
	}
	c = classify(429, 0, NULL, "{}");
	assert_true(c.rate && c.delay < 0);
	c = classify(529, 0, NULL, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");
	assert_true(c.overload);
	assert_string_equal(c.msg, "HTTP 529 (overloaded_error): Overloaded");
	c = classify(503, 0, NULL, "{\"error\":\"server busy\"}");
	assert_true(c.overload);
	/* quota and billing are fatal whatever the status */
	c = classify(429, 0, NULL, "{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":"
		     "\"insufficient_quota\",\"param\":null,\"code\":\"insufficient_quota\"}}");
	assert_int_equal(c.o, OUT_FATAL);
	assert_non_null(strstr(c.msg, "quota exhausted"));
	c = classify(400, 0, NULL, "{\"type\":\"error\",\"error\":{\"type\":\"billing_error\",\"message\":\"low\"}}");
	assert_int_equal(c.o, OUT_FATAL);
	c = classify(400, 0, NULL, "{\"error\":{\"code\":400,\"message\":\"API key not valid. Please pass a valid API "
		     "key.\",\"status\":\"INVALID_ARGUMENT\"}}");
	assert_int_equal(c.o, OUT_FATAL);
	c = classify(400, 0, NULL, "{\"error\":{\"code\":400,\"message\":\"enable billing\",\"status\":\"FAILED_PRECONDITION\"}}");
	assert_int_equal(c.o, OUT_FATAL);
	c = classify(429, 0, NULL, "{\"error\":{\"code\":429,\"message\":\"q\",\"status\":\"RESOURCE_EXHAUSTED\",\"details\":["
		     "{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":[{\"quotaId\":"
		     "\"GenerateRequestsPerDayPerProjectPerModel-FreeTier\"}]}]}}");
	assert_int_equal(c.o, OUT_FATAL);
	c = classify(429, 0, NULL, "{\"error\":{\"code\":429,\"message\":\"q\",\"status\":\"RESOURCE_EXHAUSTED\",\"details\":["
		     "{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":[{\"quotaId\":"
		     "\"GenerateRequestsPerMinutePerProjectPerModel-FreeTier\"}]},"
		     "{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"15s\"}]}}");
	assert_int_equal(c.o, OUT_RETRY);
	assert_true(c.delay == 15);
	/* x-should-retry overrides */
	c = classify(500, 0, "x-should-retry: false\r\n", "{}");
	assert_int_equal(c.o, OUT_ITEM);
	c = classify(400, 0, "X-Should-Retry: true\r\n", "{}");
	assert_int_equal(c.o, OUT_RETRY);
	/* transport */
	c = classify(0, CURLE_OPERATION_TIMEDOUT, NULL, NULL);
	assert_int_equal(c.o, OUT_RETRY);
	assert_string_equal(c.msg, "boom (curl error 28)");
	c = classify(0, CURLE_COULDNT_CONNECT, NULL, NULL);
	assert_int_equal(c.o, OUT_RETRY);
	c = classify(200, CURLE_PARTIAL_FILE, NULL, NULL);
	assert_int_equal(c.o, OUT_RETRY);
	assert_non_null(strstr(c.msg, "after HTTP 200"));
	c = classify(0, CURLE_PEER_FAILED_VERIFICATION, NULL, NULL);
	assert_int_equal(c.o, OUT_FATAL);
	/* request ids are quoted */
	c = classify(500, 0, "x-request-id: req_abc\r\n", "{\"error\":{\"message\":\"oops\",\"type\":\"server_error\"}}");
	assert_string_equal(c.msg, "HTTP 500 (server_error): oops [request req_abc]");
}

static void test_server_delay(void **state)
{
	struct cls c;

	(void)state;
	c = classify(429, 0, "retry-after: 3\r\nretry-after-ms: 250\r\n", "{}");
	assert_true(fabs(c.delay - 0.25) < 1e-9);
	c = classify(429, 0, "retry-after: 3\r\n", "{}");
	assert_true(c.delay == 3);
	c = classify(429, 0, "retry-after: Thu, 21 Aug 2025 12:40:10 GMT\r\n", "{}");
	assert_true(c.delay == 10);
	c = classify(429, 0, "retry-after: 0\r\n", "{}");
	assert_true(c.delay < 0);   /* not positive: backoff */
	c = classify(429, 0, "x-ratelimit-remaining-requests: 0\r\nx-ratelimit-reset-requests: 1s\r\n"
		     "x-ratelimit-remaining-tokens: 10\r\nx-ratelimit-reset-tokens: 6m0s\r\n", "{}");
	assert_true(c.delay == 1);
	c = classify(429, 0, "x-ratelimit-remaining-requests: 0\r\nx-ratelimit-reset-requests: 1s\r\n"
		     "x-ratelimit-remaining-tokens: 0\r\nx-ratelimit-reset-tokens: 6m0s\r\n", "{}");
	assert_true(c.delay == 360);
	c = classify(429, 0, "anthropic-ratelimit-requests-remaining: 0\r\n"
		     "anthropic-ratelimit-requests-reset: 2025-08-21T12:40:05Z\r\n"
		     "anthropic-ratelimit-tokens-remaining: 5000\r\n"
		     "anthropic-ratelimit-tokens-reset: 2025-08-21T12:45:00Z\r\n", "{}");
	assert_true(c.delay == 5);
	c = classify(500, 0, "retry-after: 2\r\n", "{}");
	assert_true(c.delay == 2);
	c = classify(400, 0, "retry-after: 2\r\n", "{}");
	assert_true(c.delay < 0);   /* not retried: no delay */
}

/* ---- SSE ---- */

struct evs {
	struct buf log;
};

static int on_ev(void *ctx, const char *event, const char *data, size_t n)
{
	struct evs *e = ctx;

	buf_addf(&e->log, "[%s|", event ? event : "-");
	buf_add(&e->log, data, n);
	buf_adds(&e->log, "]");
	return 0;
}

static void sse_is(const char *body, const char *want)
{
	struct evs e = { BUF_INIT };

	wire_sse_each(body, strlen(body), on_ev, &e);
	assert_string_equal(buf_cstr(&e.log), want);
	buf_release(&e.log);
}

static void test_sse(void **state)
{
	(void)state;
	sse_is("data: {\"a\":1}\n\ndata: [DONE]\n\n", "[-|{\"a\":1}][-|[DONE]]");
	sse_is("data: a\r\n\r\ndata: b\r\n\r\n", "[-|a][-|b]");
	sse_is("data: a\r\rdata: b\r\r", "[-|a][-|b]");
	sse_is(": ping\n\nevent: message_start\ndata: {}\n\n", "[message_start|{}]");
	sse_is("data: line1\ndata: line2\n\n", "[-|line1\nline2]");
	sse_is("data:nospace\n\ndata:  two\n\n", "[-|nospace][-| two]");
	sse_is("data: last without a blank line", "[-|last without a blank line]");
	sse_is("id: 1\nretry: 100\nunknown: x\ndata: kept\n\n", "[-|kept]");
	sse_is("error: {\"message\":\"slot\"}\n\n", "[error|{\"message\":\"slot\"}]");
	sse_is("\n\n\n", "");
	assert_true(wire_looks_sse("data: x", 7));
	assert_true(wire_looks_sse("\n: ping\n", 8));
	assert_false(wire_looks_sse("{\"a\":1}", 7));
}

/* ---- building and parsing ---- */

struct fixture {
	struct model *m;
	struct request rq;
	struct part parts[4];
	cJSON *gen;
};

static void make_request(struct fixture *f, int labels)
{
	memset(&f->rq, 0, sizeof(f->rq));
	memset(f->parts, 0, sizeof(f->parts));
	f->parts[0].kind = PART_IMAGE;
	f->parts[0].b64 = "QUJD";
	f->parts[0].b64_len = 4;
	f->parts[0].mime = "image/jpeg";
	f->parts[0].pts = 0.5;
	f->parts[0].frame_no = 0;
	f->parts[0].frame_index = 15;
	f->parts[1] = f->parts[0];
	f->parts[1].pts = 1.25;
	f->parts[1].frame_no = 1;
	f->parts[2].kind = PART_IMAGE;
	f->parts[2].b64 = "iVBO";
	f->parts[2].b64_len = 4;
	f->parts[2].mime = "image/png";
	f->parts[2].pts = -1;
	f->parts[2].frame_no = -1;
	f->parts[3].kind = PART_TEXT;
	f->parts[3].text = "What \"moves\"?";
	f->parts[3].len = strlen(f->parts[3].text);
	{
		const char *g = "{\"max_tokens\": 16, \"temperature\": 0, \"top_p\": 1.0, \"seed\": 7, "
				"\"num_beams\": 1, \"stop\": \"\\n\"}";
		f->gen = json_parse(g, strlen(g), "gen", 0);
	}
	f->rq.system = "Be brief.";
	f->rq.text = f->parts[3].text;
	f->rq.text_len = f->parts[3].len;
	f->rq.parts = f->parts;
	f->rq.nparts = 4;
	f->rq.generation = f->gen;
	f->rq.frame_labels = labels;
	f->rq.tag = "1-1";
	f->rq.attempt = 1;
}

/* The request body as sent: the JSON with its borrowed spans in place. */
static cJSON *sent_body(const struct http_call *c, struct buf *flat)
{
	cJSON *body;

	buf_reset(flat);
	bufrefs_flatten(&c->body, &c->refs, flat);
	body = json_parse(buf_cstr(flat), flat->len, "body", 0);
	assert_non_null(body);
	return body;
}

static cJSON *build(const char *spec, struct fixture *f, int labels, struct http_call *c)
{
	struct model_opts mo;
	struct buf flat = BUF_INIT;
	cJSON *body;

	memset(&mo, 0, sizeof(mo));
	mo.stream = -1;
	mo.rpm = mo.tpm = -1;
	assert_int_equal(model_open(&f->m, spec, NULL, &mo), 0);
	make_request(f, labels);
	memset(c, 0, sizeof(*c));
	assert_int_equal(f->m->ops->build(f->m, &f->rq, c), 0);
	body = sent_body(c, &flat);
	buf_release(&flat);
	return body;
}

static void done(struct fixture *f, struct http_call *c, cJSON *body)
{
	cJSON_Delete(body);
	cJSON_Delete(f->gen);
	http_call_release(c);
	model_close(f->m);
}

static const char *header(const struct http_call *c, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < c->nheaders; i++)
		if (!strncmp(c->headers[i], name, n) && c->headers[i][n] == ':')
			return c->headers[i] + n + 2;
	return NULL;
}

static char *dump(const cJSON *v)
{
	struct buf b = BUF_INIT;
	struct jw w;

	jw_init(&w, &b, 0);
	jw_value(&w, v);
	return buf_detach(&b, NULL);
}

static void json_is(const cJSON *v, const char *want)
{
	char *s = dump(v);

	assert_string_equal(s, want);
	free(s);
}

/* A judge's request (harness/run/judge.c): its temperature and top_p go even
 * to a reasoning model (send_sampling), its response_format as is. */
static void test_build_openai_judge(void **state)
{
	struct fixture f;
	struct http_call c;
	struct model_opts mo;
	cJSON *b;

	(void)state;
	memset(&f, 0, sizeof(f));
	setenv("OPENAI_API_KEY", "sk-unit-123456789", 1);
	memset(&mo, 0, sizeof(mo));
	mo.stream = -1;
	mo.rpm = mo.tpm = -1;
	mo.send_sampling = 1;
	assert_int_equal(model_open(&f.m, "openai:o4-mini", NULL, &mo), 0);
	make_request(&f, 0);
	cJSON_AddItemToObject(f.gen, "response_format",
			      json_parse("{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"E\",\"strict\":true}}",
					 63, "rf", 0));
	memset(&c, 0, sizeof(c));
	assert_int_equal(f.m->ops->build(f.m, &f.rq, &c), 0);
	b = json_parse(buf_cstr(&c.body), c.body.len, "body", 0);
	assert_non_null(b);
	json_is(json_get(b, "temperature"), "0");
	json_is(json_get(b, "top_p"), "1.0");
	json_is(json_get(b, "max_completion_tokens"), "16");
	json_is(json_get(b, "response_format"), "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"E\",\"strict\":true}}");
	done(&f, &c, b);
}

static void test_build_openai(void **state)
{
	struct fixture f;
	struct http_call c;
	cJSON *b;
	struct buf log = BUF_INIT;

	(void)state;
	setenv("TEST_KEY", "sk-unit-123456789", 1);
	log_capture(&log);
	b = build("openai@http://127.0.0.1:9/v1:qwen", &f, 1, &c);
	assert_string_equal(c.url, "http://127.0.0.1:9/v1/chat/completions");
	assert_null(header(&c, "Authorization"));
	assert_string_equal(header(&c, "Content-Type"), "application/json");
	json_is(json_get(b, "messages"),
		"[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":["
		"{\"type\":\"text\",\"text\":\"Frame 1 (t=0.50s):\"},"
		"{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/jpeg;base64,QUJD\"}},"
		"{\"type\":\"text\",\"text\":\"Frame 2 (t=1.25s):\"},"
		"{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/jpeg;base64,QUJD\"}},"
		"{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,iVBO\"}},"
		"{\"type\":\"text\",\"text\":\"What \\\"moves\\\"?\"}]}]");
	json_is(json_get(b, "max_tokens"), "16");
	json_is(json_get(b, "top_p"), "1.0");
	json_is(json_get(b, "stop"), "\"\\n\"");
	assert_null(json_get(b, "max_completion_tokens"));
	assert_null(json_get(b, "num_beams"));
	assert_null(json_get(b, "stream"));
	done(&f, &c, b);

	/* the official host: max_completion_tokens; a reasoning model: no temperature */
	setenv("OPENAI_API_KEY", "sk-unit-123456789", 1);
	b = build("openai:o4-mini", &f, 0, &c);
	assert_string_equal(c.url, "https://api.openai.com/v1/chat/completions");
	assert_string_equal(header(&c, "Authorization"), "Bearer sk-unit-123456789");
	json_is(json_get(b, "max_completion_tokens"), "16");
	assert_null(json_get(b, "max_tokens"));
	assert_null(json_get(b, "temperature"));
	assert_null(json_get(b, "top_p"));
	done(&f, &c, b);
	b = build("openai:gpt-4o", &f, 0, &c);
	json_is(json_get(b, "temperature"), "0");
	json_is(json_get(b, "max_completion_tokens"), "16");
	done(&f, &c, b);
	b = build("openai:gpt-5-chat-latest", &f, 0, &c);
	json_is(json_get(b, "temperature"), "0");
	done(&f, &c, b);
	log_capture(NULL);
	buf_release(&log);
}

static void test_build_others(void **state)
{
	struct fixture f;
	struct http_call c;
	cJSON *b;
	struct buf log = BUF_INIT;

	(void)state;
	log_capture(&log);
	setenv("ANTHROPIC_API_KEY", "sk-ant-unit-1234", 1);
	b = build("anthropic:claude-x", &f, 0, &c);
	assert_string_equal(c.url, "https://api.anthropic.com/v1/messages");
	assert_string_equal(header(&c, "x-api-key"), "sk-ant-unit-1234");
	assert_string_equal(header(&c, "anthropic-version"), "2023-06-01");
	json_is(json_get(b, "system"), "\"Be brief.\"");
	json_is(json_get(b, "messages"),
		"[{\"role\":\"user\",\"content\":["
		"{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/jpeg\",\"data\":\"QUJD\"}},"
		"{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/jpeg\",\"data\":\"QUJD\"}},"
		"{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"iVBO\"}},"
		"{\"type\":\"text\",\"text\":\"What \\\"moves\\\"?\"}]}]");
	json_is(json_get(b, "stop_sequences"), "[\"\\n\"]");
	assert_null(json_get(b, "seed"));
	done(&f, &c, b);

	unsetenv("GOOGLE_API_KEY");
	setenv("GEMINI_API_KEY", "AIza-unit-1234", 1);
	b = build("gemini:gemini-2.5-flash", &f, 1, &c);
	assert_string_equal(c.url, "https://generativelanguage.googleapis.com/v1beta/models/"
				   "gemini-2.5-flash:generateContent");
	assert_string_equal(header(&c, "x-goog-api-key"), "AIza-unit-1234");
	assert_null(strstr(c.url, "key="));
	json_is(json_get(b, "systemInstruction"), "{\"parts\":[{\"text\":\"Be brief.\"}]}");
	json_is(json_get(b, "generationConfig"),
		"{\"maxOutputTokens\":16,\"temperature\":0,\"topP\":1.0,\"seed\":7,\"stopSequences\":[\"\\n\"]}");
	{
		const cJSON *parts = json_get(cJSON_GetArrayItem(json_get(b, "contents"), 0), "parts");
		json_is(cJSON_GetArrayItem(parts, 0), "{\"text\":\"Frame 1 (t=0.50s):\"}");
		json_is(cJSON_GetArrayItem(parts, 1), "{\"inlineData\":{\"mimeType\":\"image/jpeg\",\"data\":\"QUJD\"}}");
		assert_int_equal(cJSON_GetArraySize(parts), 6);
	}
	done(&f, &c, b);

	unsetenv("OLLAMA_HOST");
	b = build("ollama:qwen2.5vl:7b", &f, 1, &c);
	assert_string_equal(c.url, "http://127.0.0.1:11434/api/chat");
	json_is(json_get(b, "model"), "\"qwen2.5vl:7b\"");
	json_is(json_get(b, "messages"),
		"[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":"
		"\"Frames at t=0.50s, 1.25s\\nWhat \\\"moves\\\"?\",\"images\":[\"QUJD\",\"QUJD\",\"iVBO\"]}]");
	json_is(json_get(b, "stream"), "false");
	json_is(json_get(b, "options"), "{\"num_predict\":16,\"temperature\":0,\"top_p\":1.0,\"seed\":7,\"stop\":[\"\\n\"]}");
	done(&f, &c, b);
	setenv("OLLAMA_HOST", "0.0.0.0", 1);
	b = build("ollama:m", &f, 0, &c);
	assert_string_equal(c.url, "http://127.0.0.1:11434/api/chat");
	done(&f, &c, b);
	unsetenv("OLLAMA_HOST");
	log_capture(NULL);
	buf_release(&log);
}

/* parse a reply body with an adapter */
static enum outcome parse_with(const char *spec, long status, const char *body, struct answer *a,
			       struct verdict *v)
{
	struct model *m;
	struct model_opts mo;
	struct http_reply r;
	struct buf h = BUF_INIT;
	enum outcome o;

	memset(&mo, 0, sizeof(mo));
	mo.stream = -1;
	mo.rpm = mo.tpm = -1;
	assert_int_equal(model_open(&m, spec, NULL, &mo), 0);
	memset(&r, 0, sizeof(r));
	r.status = status;
	r.body = body;
	r.len = strlen(body);
	r.hdrs = &h;
	answer_init(a);
	memset(v, 0, sizeof(*v));
	v->delay = -1;
	o = m->ops->parse(m, &r, a, v);
	model_close(m);
	buf_release(&h);
	return o;
}

/* Payloads of WIRE_REF_MIN bytes and more stay where they are: the body
 * borrows them (one span each), holds only the JSON around them, and the
 * bytes sent are the same JSON a copy would make. */
static void test_build_borrowed(void **state)
{
	static const char *const specs[] = {
		"openai@http://127.0.0.1:9/v1:qwen", "anthropic:claude-x", "gemini:gemini-2.5-flash",
		"ollama:qwen2.5vl:7b",
	};
	size_t big_len = WIRE_REF_MIN * 3 + 1, i;
	char *big = xmalloc(big_len + 1);
	struct buf flat = BUF_INIT, log = BUF_INIT;

	(void)state;
	log_capture(&log);
	setenv("ANTHROPIC_API_KEY", "sk-ant-unit-1234", 1);
	setenv("GEMINI_API_KEY", "AIza-unit-1234", 1);
	for (i = 0; i < big_len; i++)
		big[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[i % 64];
	big[big_len] = 0;
	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct fixture f;
		struct http_call c;
		struct model_opts mo;
		const char *p;
		cJSON *b;
		int seen = 0;

		memset(&mo, 0, sizeof(mo));
		mo.stream = -1;
		mo.rpm = mo.tpm = -1;
		assert_int_equal(model_open(&f.m, specs[i], NULL, &mo), 0);
		make_request(&f, 1);
		f.parts[0].b64 = f.parts[1].b64 = big;
		f.parts[0].b64_len = f.parts[1].b64_len = big_len;
		memset(&c, 0, sizeof(c));
		assert_int_equal(f.m->ops->build(f.m, &f.rq, &c), 0);
		/* the two large frames are spans, the small PNG is copied */
		assert_int_equal(c.refs.n, 2);
		assert_int_equal(c.refs.bytes, 2 * big_len);
		assert_ptr_equal(c.refs.v[0].data, big);
		assert_true(c.body.len < 1024);
		assert_non_null(strstr(buf_cstr(&c.body), "iVBO"));
		b = sent_body(&c, &flat);
		for (p = buf_cstr(&flat); (p = strstr(p, big)); p += big_len)
			seen++;
		assert_int_equal(seen, 2);
		/* each span sits inside a JSON string, right after its prefix */
		assert_true(c.refs.v[0].at > 0 && strchr("\",", buf_cstr(&c.body)[c.refs.v[0].at - 1]));
		assert_int_equal(flat.len, c.body.len + c.refs.bytes);
		cJSON_Delete(b);
		cJSON_Delete(f.gen);
		http_call_release(&c);
		model_close(f.m);
	}
	unsetenv("ANTHROPIC_API_KEY");
	unsetenv("GEMINI_API_KEY");
	free(big);
	buf_release(&flat);
	log_capture(NULL);
	buf_release(&log);
}

static void test_parse_openai(void **state)
{
	struct answer a;
	struct verdict v;

	(void)state;
	assert_int_equal(parse_with("openai@http://h/v1:m", 200,
		"{\"id\":\"chatcmpl-B9\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":"
		"{\"role\":\"assistant\",\"content\":\"The image shows a boardwalk.\",\"refusal\":null},"
		"\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1117,\"completion_tokens\":46,"
		"\"total_tokens\":1163,\"completion_tokens_details\":{\"reasoning_tokens\":3}}}", &a, &v), OUT_OK);
	assert_string_equal(a.text, "The image shows a boardwalk.");
	assert_string_equal(a.finish_reason, "stop");
	assert_true(a.in_tokens == 1117 && a.out_tokens == 46 && a.reasoning_tokens == 3);
	answer_release(&a);
	/* a stream with the usage chunk, an unknown field, and a ping */
	assert_int_equal(parse_with("openai@http://h/v1:m", 200,
		"data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n"
		": ping\n\n"
		"data: {\"obfuscation\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n"
		"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":null}]}\n\n"
		"data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}\n\n"
		"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2}}\n\n"
		"data: [DONE]\n\n", &a, &v), OUT_OK);
	assert_string_equal(a.text, "Hello");
	assert_string_equal(a.finish_reason, "length");
	assert_true(a.in_tokens == 9 && a.out_tokens == 2);
	answer_release(&a);
	/* vLLM reasoning_content */
	assert_int_equal(parse_with("openai@http://h/v1:m", 200,
		"{\"choices\":[{\"message\":{\"content\":\"B\",\"reasoning_content\":\"think\"},\"finish_reason\":\"stop\","
		"\"stop_reason\":null}]}", &a, &v), OUT_OK);
	assert_string_equal(a.text, "<think>think</think>\nB");
	answer_release(&a);
	/* content as a list of parts */
	assert_int_equal(parse_with("openai@http://h/v1:m", 200,
		"{\"choices\":[{\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"A\"},{\"type\":\"text\",\"text\":\"B\"}]}}]}",
		&a, &v), OUT_OK);
	assert_string_equal(a.text, "AB");
	answer_release(&a);
	/* odd 200s */
	assert_int_equal(parse_with("openai@http://h/v1:m", 200, "{\"choices\":[]}", &a, &v), OUT_RETRY);
	assert_string_equal(v.message, "the response has no choices");
	verdict_release(&v);
	assert_int_equal(parse_with("openai@http://h/v1:m", 200, "{\"choices\": [", &a, &v), OUT_RETRY);
	verdict_release(&v);
	assert_int_equal(parse_with("openai@http://h/v1:m", 200, "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n",
				    &a, &v), OUT_RETRY);
	assert_non_null(strstr(v.message, "truncated"));
	verdict_release(&v);
	assert_int_equal(parse_with("openai@http://h/v1:m", 200,
		"data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\ndata: {\"error\":{\"message\":\"died\",\"type\":\"x\"}}\n\n",
		&a, &v), OUT_RETRY);
	assert_string_equal(v.message, "error in the stream: x: died");
	verdict_release(&v);
	assert_int_equal(parse_with("openai@http://h/v1:m", 400,
		"{\"error\":{\"message\":\"bad\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}", &a, &v),
		OUT_ITEM);
	verdict_release(&v);
	/* the 400 naming max_tokens switches the field and retries at once */
	{
		struct buf log = BUF_INIT;
		log_capture(&log);
		assert_int_equal(parse_with("openai@http://h/v1:m", 400,
			"{\"error\":{\"message\":\"Unsupported parameter: 'max_tokens'\",\"type\":\"invalid_request_error\","
			"\"param\":\"max_tokens\",\"code\":\"unsupported_parameter\"}}", &a, &v), OUT_RETRY);
		assert_true(v.delay == 0);
		verdict_release(&v);
		log_capture(NULL);
		buf_release(&log);
	}
}

static void test_parse_others(void **state)
{
	struct answer a;
	struct verdict v;

	(void)state;
	setenv("ANTHROPIC_API_KEY", "sk-ant-unit-1234", 1);
	setenv("GEMINI_API_KEY", "AIza-unit-1234", 1);
	assert_int_equal(parse_with("anthropic:c", 200,
		"{\"id\": \"msg_123\", \"type\": \"message\", \"role\": \"assistant\", \"model\": \"claude-sonnet-4-5\","
		" \"content\": [{\"text\": \"{\\\"result\\\": \\\"test\\\"}\", \"type\": \"text\"}],"
		" \"stop_reason\": \"end_turn\", \"usage\": {\"input_tokens\": 10, \"output_tokens\": 20,"
		" \"cache_read_input_tokens\": 5}}", &a, &v), OUT_OK);
	assert_string_equal(a.text, "{\"result\": \"test\"}");
	assert_string_equal(a.finish_reason, "stop");
	assert_true(a.in_tokens == 15 && a.out_tokens == 20);
	answer_release(&a);
	assert_int_equal(parse_with("anthropic:c", 200,
		"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":11,\"output_tokens\":1}}}\n\n"
		"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
		"event: ping\ndata: {\"type\": \"ping\"}\n\n"
		"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n"
		"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"},\"usage\":{\"output_tokens\":6}}\n\n"
		"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n", &a, &v), OUT_OK);
	assert_string_equal(a.text, "Hello");
	assert_string_equal(a.finish_reason, "length");
	assert_true(a.in_tokens == 11 && a.out_tokens == 6);
	answer_release(&a);
	assert_int_equal(parse_with("anthropic:c", 200,
		"event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}\n\n",
		&a, &v), OUT_RETRY);
	assert_string_equal(v.message, "error in the stream: overloaded_error: Overloaded");
	verdict_release(&v);

	assert_int_equal(parse_with("gemini:g", 200,
		"{\"candidates\": [{\"content\": {\"role\": \"model\", \"parts\": [{\"text\": \"Here\"}]}, \"finishReason\": \"STOP\"}],"
		" \"usageMetadata\": {\"promptTokenCount\": 1294, \"candidatesTokenCount\": 125, \"totalTokenCount\": 2490,"
		" \"thoughtsTokenCount\": 1071}}", &a, &v), OUT_OK);
	assert_string_equal(a.text, "Here");
	assert_true(a.in_tokens == 1294 && a.out_tokens == 1196 && a.reasoning_tokens == 1071);
	answer_release(&a);
	assert_int_equal(parse_with("gemini:g", 200,
		"{\"candidates\":[{\"finishReason\":\"OTHER\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":171,"
		"\"totalTokenCount\":171}}", &a, &v), OUT_OK);
	assert_string_equal(a.text, "");
	assert_string_equal(a.finish_reason, "other:OTHER");
	answer_release(&a);
	assert_int_equal(parse_with("gemini:g", 200,
		"data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"A\"}]}}]}\r\n\r\n"
		"data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"B\"}]},\"finishReason\":\"MAX_TOKENS\"}]}\r\n\r\n",
		&a, &v), OUT_OK);
	assert_string_equal(a.text, "AB");
	assert_string_equal(a.finish_reason, "length");
	answer_release(&a);
	assert_int_equal(parse_with("gemini:g", 200, "{\"usageMetadata\":{}}", &a, &v), OUT_RETRY);
	verdict_release(&v);

	assert_int_equal(parse_with("ollama:llava", 200,
		"{\"model\": \"llava\", \"message\": {\"role\": \"assistant\", \"content\": \" The image features a pig\","
		" \"images\": null}, \"done\": true, \"total_duration\": 1668506709, \"prompt_eval_count\": 26,"
		" \"eval_count\": 83}", &a, &v), OUT_OK);
	assert_string_equal(a.text, " The image features a pig");
	assert_true(a.in_tokens == 26 && a.out_tokens == 83);
	answer_release(&a);
	assert_int_equal(parse_with("ollama:llava", 200,
		"{\"message\":{\"content\":\"A\"},\"done\":false}\n{\"message\":{\"content\":\"B\"},\"done\":false}\n"
		"{\"message\":{\"content\":\"\"},\"done\":true,\"done_reason\":\"length\",\"eval_count\":2}\n", &a, &v), OUT_OK);
	assert_string_equal(a.text, "AB");
	assert_string_equal(a.finish_reason, "length");
	answer_release(&a);
	assert_int_equal(parse_with("ollama:llava", 200,
		"{\"message\":{\"content\":\"A\"},\"done\":false}\n{\"error\":\"an error was encountered while running the model\"}\n",
		&a, &v), OUT_RETRY);
	assert_string_equal(v.message, "error in the stream: an error was encountered while running the model");
	verdict_release(&v);
	assert_int_equal(parse_with("ollama:llava", 404, "{\"error\":\"model \\\"llava\\\" not found\"}", &a, &v), OUT_FATAL);
	verdict_release(&v);
}

static void test_secrets(void **state)
{
	struct buf b = BUF_INIT;
	char *s;

	(void)state;
	secret_register("sk-live-abcdef123456");
	secret_register("abc");   /* too short to register */
	buf_adds(&b, "key sk-live-abcdef123456 twice sk-live-abcdef123456; abc stays");
	secret_scrub(&b);
	assert_string_equal(buf_cstr(&b), "key [REDACTED] twice [REDACTED]; abc stays");
	buf_release(&b);
	s = secret_scrub_dup("Authorization: Bearer sk-other-999 x-api-key: zzz9999 url?key=AIzaXYZ&alt=sse "
			     "x-goog-api-key:qqq monkey=banana");
	assert_string_equal(s, "Authorization: Bearer [REDACTED] x-api-key: [REDACTED] url?key=[REDACTED]&alt=sse "
			       "x-goog-api-key:[REDACTED] monkey=banana");
	free(s);
	buf_adds(&b, "the answer: key=value sk-live-abcdef123456");
	secret_scrub_values(&b);
	assert_string_equal(buf_cstr(&b), "the answer: key=value [REDACTED]");
	buf_release(&b);
	secret_clear();
}

static void test_models_file(void **state)
{
	struct model *m;
	struct model_opts mo;
	struct buf log = BUF_INIT;
	FILE *f;
	char path[] = "/tmp/steval-models-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("{\"vllm\": {\"adapter\": \"openai\", \"base_url\": \"http://h:8000/v1/\", \"model\": \"qwen\","
	      " \"concurrency\": 16, \"rpm\": 600, \"headers\": {\"X-A\": \"${STEVAL_UNIT_SECRET}\"},"
	      " \"body\": {\"top_k\": 1}},"
	      " \"broken\": {\"adapter\": \"openai\", \"headers\": {\"X\": \"${STEVAL_UNIT_UNSET}\"}}}", f);
	fclose(f);
	memset(&mo, 0, sizeof(mo));
	mo.stream = -1;
	mo.rpm = mo.tpm = -1;
	mo.models_file = path;
	setenv("STEVAL_UNIT_SECRET", "hush-hush-1234", 1);
	unsetenv("STEVAL_UNIT_UNSET");
	assert_int_equal(model_open(&m, "vllm", NULL, &mo), 0);
	assert_string_equal(m->ep.base_url, "http://h:8000/v1");
	assert_string_equal(m->ep.model, "qwen");
	assert_int_equal(model_concurrency(m), 16);
	assert_true(m->ep.rpm == 600);
	assert_string_equal(m->ep.headers[0], "X-A: hush-hush-1234");
	{
		char *s = secret_scrub_dup("leaked hush-hush-1234");
		assert_string_equal(s, "leaked [REDACTED]");
		free(s);
	}
	model_close(m);
	mo.concurrency = 3;
	mo.rpm = 0;
	assert_int_equal(model_open(&m, "vllm", NULL, &mo), 0);
	assert_int_equal(model_concurrency(m), 3);
	assert_true(m->ep.rpm == 0);
	model_close(m);
	log_capture(&log);
	assert_int_equal(model_open(&m, "broken", NULL, &mo), -1);
	assert_non_null(strstr(buf_cstr(&log), "'STEVAL_UNIT_UNSET' is not set"));
	buf_reset(&log);
	assert_int_equal(model_open(&m, "nothere", NULL, &mo), -1);
	assert_non_null(strstr(buf_cstr(&log), "not an entry of the models file"));
	buf_reset(&log);
	assert_int_equal(model_open(&m, "bogus:x", NULL, &mo), -1);
	assert_non_null(strstr(buf_cstr(&log), "unknown adapter 'bogus'"));
	log_capture(NULL);
	buf_release(&log);
	unlink(path);
	secret_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_split),
		cmocka_unit_test(test_error_shapes),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_server_delay),
		cmocka_unit_test(test_sse),
		cmocka_unit_test(test_build_openai),
		cmocka_unit_test(test_build_openai_judge),
		cmocka_unit_test(test_build_others),
		cmocka_unit_test(test_build_borrowed),
		cmocka_unit_test(test_parse_openai),
		cmocka_unit_test(test_parse_others),
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_models_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
