/*
 * fuzz_stream.c: libFuzzer target for streamed replies: SSE framing
 * (wire_sse_each, wire_looks_sse) and NDJSON lines (wire_lines_each), each
 * event or line then parsed as JSON the way the adapters do
 * (json_parse_raw), and the JSON writer's round trip of every string.
 *
 * Input: the whole body. Invariants abort.
 */
// fuzz-sources: adapters/*.c lib/buf.c lib/json.c lib/pystr.c lib/pycase.c lib/log.c lib/xalloc.c lib/util.c lib/sha256.c adapters/http/httpq.c adapters/http/ratelimit.c lib/rng.c
#include "lib/common.h"
#include "adapters/wire.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "check failed: %s\n", #c); abort(); } } while (0)

static struct buf sink = BUF_INIT;

/* every string of a parsed tree survives the writer and a second parse */
static void roundtrip(const cJSON *j)
{
	struct buf b = BUF_INIT;
	struct jw w;
	cJSON *again;

	jw_init(&w, &b, 0);
	jw_value(&w, j);
	again = json_parse_raw(buf_cstr(&b), b.len);
	CHECK(again != NULL);
	if (cJSON_IsString(j))
		CHECK(cJSON_IsString(again));
	cJSON_Delete(again);
	buf_release(&b);
}

static int on_event(void *ctx, const char *event, const char *d, size_t n)
{
	cJSON *j;

	(void)event;
	CHECK(strlen(d) == n || memchr(d, 0, n));
	j = json_parse_raw(d, n);
	if (j) {
		roundtrip(j);
		cJSON_Delete(j);
	}
	(*(size_t *)ctx)++;
	return 0;
}

static int on_line(void *ctx, const char *line, size_t n)
{
	cJSON *j = json_parse_raw(line, n);

	CHECK(n > 0);
	if (j) {
		roundtrip(j);
		cJSON_Delete(j);
	}
	(*(size_t *)ctx)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	size_t events = 0, lines = 0;

	log_capture(&sink);
	(void)wire_looks_sse(body, size);
	(void)wire_sse_each(body, size, on_event, &events);
	wire_lines_each(body, size, on_line, &lines);
	log_capture(NULL);
	buf_reset(&sink);
	return 0;
}
