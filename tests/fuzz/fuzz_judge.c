/*
 * fuzz_judge.c: libFuzzer target for the judge's reply reader (both
 * parsers: the whole reply as JSON, and MLLM-4D's first '{' to last '}'),
 * the judge prompt with an arbitrary response, and the cache key.
 *
 * fuzz-sources: scorers/judge.c lib/buf.c lib/json.c lib/pystr.c lib/pycase.c lib/log.c lib/xalloc.c lib/util.c lib/sha256.c
 *
 * Input: the reply (and the response). The invariants below abort.
 */
#include "lib/common.h"
#include "scorers/judge.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "suites/suite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "check failed: %s\n", #c); abort(); } } while (0)

static struct buf sink = BUF_INIT;

static void proto(struct judge_proto *jp, enum judge_parser parser, const char *unparsed)
{
	memset(jp, 0, sizeof(*jp));
	jp->name = (char *)"fuzz";
	jp->template_ = (char *)"Question: {question}\n\nOptions:\n{options}\n\nGround Truth Answer: {answer}\n\n"
				"Model Response to the Question: {response}";
	jp->option_format = (char *)"{key}: {value}";
	jp->option_join = (char *)"\n";
	jp->parser = parser;
	jp->unparsed = (char *)unparsed;
}

static void read_twice(const struct judge_proto *jp, const char *t, size_t n)
{
	struct judge_reading a, b;

	judge_read(jp, t, n, &a);
	judge_read(jp, t, n, &b);
	CHECK(a.status == b.status && a.correct == b.correct);
	CHECK(a.extracted && b.extracted && !strcmp(a.extracted, b.extracted));
	if (a.status == JUDGE_UNPARSED) {
		CHECK(a.correct == 0 && a.why && !strcmp(a.extracted, jp->unparsed));
	} else {
		CHECK(a.correct == 0 || a.correct == 1);
		CHECK(memchr(t, '{', n) && memchr(t, '}', n));
	}
	judge_reading_release(&a);
	judge_reading_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct judge_proto js, jb;
	struct item it;
	struct option opts[2];
	struct buf out = BUF_INIT;
	char h1[65], h2[65];
	const char *t = (const char *)data;

	log_capture(&sink);
	buf_reset(&sink);
	proto(&js, JUDGE_PARSE_JSON, "");
	proto(&jb, JUDGE_PARSE_BRACES, "Parsing Error");
	read_twice(&js, t, size);
	read_twice(&jb, t, size);
	memset(&it, 0, sizeof(it));
	memset(opts, 0, sizeof(opts));
	it.id = (char *)"x";
	it.question = (char *)"Q?";
	it.answer = (char *)"left";
	snprintf(opts[0].letter, sizeof(opts[0].letter), "A");
	opts[0].text = (char *)"left";
	snprintf(opts[1].letter, sizeof(opts[1].letter), "B");
	opts[1].text = (char *)"right";
	it.opts = opts;
	it.nopt = 2;
	CHECK(judge_render(&js, &it, t, size, &out) == 0);
	CHECK(out.len >= size && !memcmp(buf_cstr(&out) + out.len - size, t, size));
	buf_release(&out);
	if (judge_cache_key("m", t, size, h1) == 0) {
		CHECK(judge_cache_key("m", t, size, h2) == 0 && !strcmp(h1, h2));
		CHECK(judge_cache_key("n", t, size, h2) == 0 && strcmp(h1, h2));
	}
	log_capture(NULL);
	return 0;
}
