/*
 * fuzz_reply.c: libFuzzer target for what servers send back — every HTTP
 * adapter's reply parser (plain and streamed bodies), the error-body
 * normaliser, the retry classification, SSE framing, the time formats of
 * rate-limit headers, and secret scrubbing.
 *
 * fuzz-sources: adapters/*.c lib/buf.c lib/json.c lib/pystr.c lib/pycase.c lib/log.c lib/xalloc.c lib/util.c lib/sha256.c adapters/http/httpq.c adapters/http/ratelimit.c lib/rng.c
 *
 * Input: byte 0 picks the adapter (low 2 bits) and the HTTP status (the
 * rest); then header lines up to an empty line; the rest is the body. The
 * invariants below abort.
 */
#include "lib/common.h"
#include "adapters/adapter.h"
#include "adapters/wire.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "adapters/http/ratelimit.h"

#include <math.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "check failed: %s\n", #c); abort(); } } while (0)

static const char *const specs[4] = {
	"openai@http://127.0.0.1:9/v1:m", "anthropic@http://127.0.0.1:9/v1:m",
	"gemini@http://127.0.0.1:9/v1beta:m", "ollama@http://127.0.0.1:9:m",
};
static const long statuses[16] = { 200, 200, 200, 200, 400, 401, 404, 408, 413, 422, 429, 500, 503,
				   529, 201, 302 };
static struct model *models[4];
static struct buf sink = BUF_INIT;

static int on_ev(void *ctx, const char *event, const char *d, size_t n)
{
	(void)event;
	CHECK(strlen(d) == n || memchr(d, 0, n));
	(*(size_t *)ctx)++;
	return 0;
}

static int on_line(void *ctx, const char *l, size_t n)
{
	(void)l;
	CHECK(n > 0);
	(*(size_t *)ctx)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf hdrs = BUF_INIT, tmp = BUF_INIT;
	struct http_reply r;
	struct answer a;
	struct verdict v;
	struct wire_err e;
	const char *body;
	size_t blen, i, hl = 0, count = 0;
	enum outcome o;
	double t;
	int k;

	if (!size)
		return 0;
	if (!models[0]) {
		struct model_opts mo;
		memset(&mo, 0, sizeof(mo));
		mo.stream = -1;
		mo.rpm = mo.tpm = -1;
		setenv("ANTHROPIC_API_KEY", "sk-ant-fuzz-0000", 1);
		setenv("GEMINI_API_KEY", "AIza-fuzz-0000", 1);
		log_capture(&sink);
		for (k = 0; k < 4; k++)
			if (model_open(&models[k], specs[k], NULL, &mo) < 0)
				abort();
	}
	buf_reset(&sink);
	k = data[0] & 3;
	/* headers: up to the first empty line */
	for (i = 1; i + 1 < size; i++)
		if (data[i] == '\n' && data[i + 1] == '\n') {
			hl = i - 1;
			break;
		}
	buf_add(&hdrs, data + 1, hl);
	buf_adds(&hdrs, "\n");
	body = (const char *)data + 1 + (hl ? hl + 2 : 0);
	blen = size - (size_t)(body - (const char *)data);
	{
		/* NUL-terminated copy: parsers may rely on it, as httpq's buffers provide */
		buf_add(&tmp, body, blen);
		body = buf_cstr(&tmp);
	}

	memset(&r, 0, sizeof(r));
	r.status = statuses[(data[0] >> 2) & 15];
	r.body = body;
	r.len = blen;
	r.hdrs = &hdrs;
	r.now_wall = 1755780000;
	answer_init(&a);
	memset(&v, 0, sizeof(v));
	v.delay = -1;
	o = models[k]->ops->parse(models[k], &r, &a, &v);
	CHECK(o == OUT_OK || o == OUT_RETRY || o == OUT_ITEM || o == OUT_FATAL);
	if (o == OUT_OK) {
		CHECK(a.text != NULL);
		CHECK(r.status >= 200 && r.status <= 299);
	} else {
		CHECK(v.message != NULL);
		CHECK(!(o == OUT_RETRY && v.delay > 0) || isfinite(v.delay));
	}
	answer_release(&a);
	verdict_release(&v);

	wire_error_parse(body, blen, &e);
	CHECK(e.message != NULL);
	wire_err_release(&e);
	wire_sse_each(body, blen, on_ev, &count);
	wire_lines_each(body, blen, on_line, &count);

	/* time formats on the first line */
	{
		char line[128];
		size_t n = blen < sizeof(line) - 1 ? blen : sizeof(line) - 1;
		const char *nl = memchr(body, '\n', n);
		if (nl)
			n = (size_t)(nl - body);
		memcpy(line, body, n);
		line[n] = 0;
		if (rl_parse_duration(line, &t) == 0)
			CHECK(!isnan(t));
		if (rl_parse_rfc3339(line, &t) == 0)
			CHECK(!isnan(t));
		rl_parse_http_date(line, &t);
		rl_parse_retry_after(line, 0, &t);
	}
	{
		char *s = secret_scrub_dup(body);
		CHECK(!strstr(s, "sk-ant-fuzz-0000"));
		free(s);
	}
	buf_release(&hdrs);
	buf_release(&tmp);
	return 0;
}
