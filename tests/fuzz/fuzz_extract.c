/*
 * fuzz_extract.c: libFuzzer target for the answer extractors and metrics.
 *
 * fuzz-sources: scorers/extract.c scorers/extract_spatial.c scorers/robust.c scorers/metric.c lib/buf.c lib/pystr.c lib/pycase.c lib/rx.c lib/xalloc.c lib/log.c
 *
 * Input: byte 0 picks the number of options (0-6), byte 1 their texts (none,
 * direction words, STI values, counts, or '|'-separated pieces of the input),
 * the rest is the model's answer. Every extractor runs on it (and on its
 * think-stripped form), then every metric; the invariants below abort.
 */
#include "lib/common.h"
#include "scorers/extract.h"
#include "scorers/metric.h"
#include "suites/suite.h"
#include "lib/buf.h"
#include "lib/pystr.h"
#include "lib/xalloc.h"

#include <math.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const texts[3][6] = {
	{ "left", "right", "not moving", "there are no cars in the video", "up", "down" },
	{ "1.80m", "2.36m", "-0.40m/s²", "90°", "5", "1,234" },
	{ "1", "2", "3", "0", "three", "" },
};

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "check failed: %s\n", #c); abort(); } } while (0)

static int is_letter_extractor(const char *n)
{
	return !strcmp(n, "r4d-letter") || !strcmp(n, "mllm4d-option-key") ||
	       !strcmp(n, "vlm4d-final-answer") || !strcmp(n, "robust-letter") ||
	       !strcmp(n, "mmmu-parse-choice") || !strcmp(n, "mmsi-word-boundary") ||
	       !strcmp(n, "mmsi-word-boundary-braces") || !strcmp(n, "omnispatial-answer");
}

static void run_all(const char *text, size_t len, const struct item *it)
{
	const struct extract_def *x;
	const struct metric_def *m;
	size_t nx, nm, i, j;

	x = extract_list(&nx);
	m = metric_list(&nm);
	for (i = 0; i < nx; i++) {
		struct extraction e, again;
		CHECK(extract_run(&x[i], text, len, it, &e) == 0);
		CHECK(e.value != NULL);
		CHECK(e.found ? e.rule >= 0 : e.rule == -1);
		if (is_letter_extractor(x[i].name)) {
			/* one letter: A-E, or up to the item's last option letter */
			char top = (char)('A' + (it && it->nopt > 5 ? it->nopt : 5) - 1);
			char c0 = e.value[0];
			/* omnispatial-answer keeps the letter's case, as the official code */
			if (!strcmp(x[i].name, "omnispatial-answer") && c0 >= 'a' && c0 <= 'd')
				c0 = (char)(c0 - 'a' + 'A');
			if (e.found && !(c0 >= 'A' && c0 <= top && !e.value[1]))
				fprintf(stderr, "%s gave '%s'\n", x[i].name, e.value);
			if (e.found)
				CHECK(c0 >= 'A' && c0 <= top && !e.value[1]);
			else
				CHECK(!e.value[0]);
		}
		if (!strcmp(x[i].name, "robust-number") && e.found) {
			double d;
			CHECK(py_float(e.value, strlen(e.value), &d) == 0 && isfinite(d));
		}
		if (!strcmp(x[i].name, "sti-cascade") && e.found && e.rule == 6) {
			size_t n = strlen(e.value);
			CHECK(n && e.value[n - 1] >= 'A' && e.value[n - 1] <= 'E');
		}
		if (!strcmp(x[i].name, "vsi-first-token") || !strcmp(x[i].name, "lmms-sat-flexible"))
			CHECK(e.found == (e.value[0] != 0));
		if (!strcmp(x[i].name, "mmsi-lmms"))   /* A-F, upper-cased */
			CHECK(e.found ? e.value[0] >= 'A' && e.value[0] <= 'F' && !e.value[1] : !e.value[0]);
		/* deterministic */
		CHECK(extract_run(&x[i], text, len, it, &again) == 0);
		CHECK(!strcmp(e.value, again.value) && e.found == again.found && e.rule == again.rule);
		extraction_release(&again);
		for (j = 0; j < nm; j++) {
			double s = metric_score(&m[j], it, &e, 0.05);
			CHECK(s >= 0 && s <= 1);
		}
		extraction_release(&e);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct option opts[6];
	struct qtype qt;
	struct item it;
	struct buf kept = BUF_INIT;
	char *own[6] = { NULL };
	const char *text;
	size_t len, nopt, i, p = 0;
	int set;

	if (size < 2)
		return 0;
	nopt = data[0] % 7;
	set = data[1] % 4;
	text = (const char *)data + 2;
	len = size - 2;
	memset(opts, 0, sizeof(opts));
	for (i = 0; i < nopt; i++) {
		snprintf(opts[i].letter, sizeof(opts[i].letter), "%c", (int)('A' + i));
		if (set < 3) {
			opts[i].text = (char *)texts[set][i];
		} else {   /* pieces of the input up to '|' */
			size_t q = p;
			while (q < len && text[q] != '|' && q - p < 40)
				q++;
			opts[i].text = own[i] = xstrndup(text + p, q - p);
			p = q < len ? q + 1 : q;
		}
	}
	memset(&qt, 0, sizeof(qt));
	qt.name = (char *)"fuzz";
	qt.kind = (data[1] >> 2) % 4 == 0 ? ANS_LETTER : (data[1] >> 2) % 4 == 1 ? ANS_TEXT :
		  (data[1] >> 2) % 4 == 2 ? ANS_VALUE : ANS_NUMBER;
	memset(&it, 0, sizeof(it));
	it.id = (char *)"fuzz";
	it.type = &qt;
	it.opts = opts;
	it.nopt = nopt;
	it.answer = (char *)(nopt ? opts[0].text : "2.5");
	it.answer_num = 2.5;
	snprintf(it.accepted, sizeof(it.accepted), "%s", nopt ? "A" : "");

	run_all(text, len, &it);
	run_all(text, len, NULL);
	extract_strip_think(text, len, &kept);
	CHECK(kept.len <= len);
	run_all(buf_cstr(&kept), kept.len, &it);
	buf_release(&kept);
	for (i = 0; i < nopt; i++)
		free(own[i]);
	return 0;
}
