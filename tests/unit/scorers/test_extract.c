/* Unit tests: extractors, through the golden cases in tests/golden/extract/
 * (one file per extractor; the official ones are re-derived with CPython by
 * tests/golden/check_official.py) plus direct checks of the table, think
 * stripping, ownership and bad input. STEVAL_GOLDEN_EXTRA names one more
 * golden file whose lines carry the extractor in "x" (the e2e test passes
 * random cases computed by Python). */
#include "lib/common.h"
#include "scorers/extract.h"
#include "suites/suite.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <pthread.h>
#include <setjmp.h>
#include <cmocka.h>

#define GOLDEN_DIR "tests/golden/extract"

struct gcase {
	char *text;
	size_t len;
	struct option opts[8];
	size_t nopt;
	struct item it;
};

static int unhex(const char *h, struct buf *out)
{
	size_t i, n = strlen(h);

	if (n % 2)
		return -1;
	for (i = 0; i < n; i += 2) {
		char t[3] = { h[i], h[i + 1], 0 };
		char *end;
		long v = strtol(t, &end, 16);
		if (*end)
			return -1;
		buf_addch(out, (int)v);
	}
	return 0;
}

/* Build the text and the item of one golden line. */
static int gcase_load(const cJSON *c, struct gcase *g)
{
	struct buf t = BUF_INIT;
	const cJSON *opts = json_get(c, "options"), *n = json_get(c, "num_options");
	const char *s;
	size_t i;

	memset(g, 0, sizeof(*g));
	if ((s = json_get_str(c, "text_hex")) != NULL) {
		if (unhex(s, &t) < 0)
			return -1;
	} else if ((s = json_get_str(c, "text")) != NULL) {
		buf_adds(&t, s);
	}
	g->len = t.len;
	g->text = buf_detach(&t, NULL);
	if (cJSON_IsArray(opts)) {
		const cJSON *o;
		cJSON_ArrayForEach(o, opts) {
			if (g->nopt >= ARRAY_SIZE(g->opts))
				break;
			snprintf(g->opts[g->nopt].letter, sizeof(g->opts[0].letter), "%c", 'A' + (int)g->nopt);
			g->opts[g->nopt].text = cJSON_IsString(o) ? o->valuestring : NULL;
			g->nopt++;
		}
	} else if (cJSON_IsNumber(n)) {
		for (i = 0; i < (size_t)n->valuedouble && i < ARRAY_SIZE(g->opts); i++)
			snprintf(g->opts[i].letter, sizeof(g->opts[0].letter), "%c", 'A' + (int)i);
		g->nopt = i;
	}
	g->it.id = (char *)"golden";
	g->it.opts = g->opts;
	g->it.nopt = g->nopt;
	/* the truth letter (SAT's sat_real scorer reads it) and the question
	 * (lmms-eval sat's filter reads its choices) */
	if ((s = json_get_str(c, "accepted")) != NULL)
		snprintf(g->it.accepted, sizeof(g->it.accepted), "%s", s);
	g->it.question = (char *)json_get_str(c, "question");
	return 0;
}

/* Run every case of a golden file; returns the number of failures. */
static int run_golden(const char *path, const char *xname, size_t *ncases)
{
	struct buf file = BUF_INIT;
	size_t line = 0, p = 0;
	int bad = 0;

	if (read_file(path, &file) < 0) {
		print_message("cannot read %s\n", path);
		return 1;
	}
	while (p < file.len) {
		const char *nl = memchr(file.data + p, '\n', file.len - p);
		size_t e = nl ? (size_t)(nl - file.data) : file.len;
		const struct extract_def *x;
		struct extraction ex;
		struct gcase g;
		const cJSON *want, *found, *rule;
		const char *name;
		cJSON *c;

		line++;
		if (e == p) {
			p = e + 1;
			continue;
		}
		c = json_parse(file.data + p, e - p, path, line);
		p = e + 1;
		if (!c) {
			bad++;
			continue;
		}
		name = json_get_str(c, "x") ? json_get_str(c, "x") : xname;
		x = extract_find(name);
		want = json_get(c, "value");
		if (!want && json_get_str(c, "value_hex")) {   /* bytes that are not UTF-8 */
			struct buf vb = BUF_INIT;
			if (unhex(json_get_str(c, "value_hex"), &vb) == 0)
				cJSON_AddItemToObject(c, "value", cJSON_CreateString(buf_cstr(&vb)));
			buf_release(&vb);
			want = json_get(c, "value");
		}
		found = json_get(c, "found");
		rule = json_get(c, "rule");
		if (!x || !cJSON_IsString(want) || !cJSON_IsBool(found) || gcase_load(c, &g) < 0) {
			print_message("%s:%zu: bad golden line\n", path, line);
			bad++;
			cJSON_Delete(c);
			continue;
		}
		(*ncases)++;
		if (extract_run(x, g.text, g.len, &g.it, &ex) < 0) {
			print_message("%s:%zu: extractor failed\n", path, line);
			bad++;
		} else if (strcmp(ex.value, want->valuestring) || ex.found != cJSON_IsTrue(found) ||
			   (cJSON_IsNumber(rule) && ex.rule != (int)rule->valuedouble)) {
			print_message("%s:%zu: %s gives value '%s' found %d rule %d; want '%s' %d %d (%s)\n",
				      path, line, name, ex.value, ex.found, ex.rule, want->valuestring,
				      cJSON_IsTrue(found), cJSON_IsNumber(rule) ? (int)rule->valuedouble : -9,
				      json_get_str(c, "why") ? json_get_str(c, "why") : "");
			bad++;
		}
		extraction_release(&ex);
		free(g.text);
		cJSON_Delete(c);
	}
	buf_release(&file);
	return bad;
}

static void test_goldens(void **state)
{
	const struct extract_def *x;
	size_t n, i, cases = 0;
	int bad = 0;

	(void)state;
	x = extract_list(&n);
	for (i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s.jsonl", GOLDEN_DIR, x[i].name);
		size_t before = cases;
		bad += run_golden(path, x[i].name, &cases);
		/* every extractor has its goldens, at least 25 of them (raw: 10) */
		if (cases - before < (strcmp(x[i].name, "raw") ? 25u : 10u)) {
			print_message("%s: only %zu cases\n", path, cases - before);
			bad++;
		}
		free(path);
	}
	print_message("# %zu golden extraction cases\n", cases);
	assert_int_equal(bad, 0);
}

static void test_golden_extra(void **state)
{
	const char *extra = getenv("STEVAL_GOLDEN_EXTRA");
	size_t cases = 0;

	(void)state;
	assert_non_null(extra);
	assert_int_equal(run_golden(extra, "raw", &cases), 0);
	print_message("# %zu extra cases from %s\n", cases, extra);
	assert_true(cases > 0);
}

static void test_table(void **state)
{
	const struct extract_def *x;
	size_t n, i;
	static const char *const names[] = { "vsi-first-token", "sti-cascade", "r4d-letter",
					     "mllm4d-option-key", "vlm4d-final-answer", "robust-letter",
					     "robust-number", "mmmu-parse-choice", "mmsi-word-boundary",
					     "mmsi-word-boundary-braces", "mmsi-lmms", "sat-real-answer",
					     "lmms-sat-flexible", "omnispatial-answer", "raw" };

	(void)state;
	x = extract_list(&n);
	assert_int_equal(n, ARRAY_SIZE(names));
	assert_ptr_equal(extract_find(names[0]), &x[0]);
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		const struct extract_def *f = extract_find(names[i]);
		assert_non_null(f);
		assert_string_equal(f->name, names[i]);
		assert_non_null(f->fn);
		assert_true(strlen(f->summary) > 0);
		assert_true(strlen(f->source) > 0);
	}
	assert_null(extract_find("nope"));
	assert_null(extract_find(NULL));
	assert_false(extract_find("robust-letter")->official);
	assert_true(extract_find("sti-cascade")->official);
}

static void strip(const char *in, const char *want)
{
	struct buf b = BUF_INIT;

	extract_strip_think(in, strlen(in), &b);
	assert_string_equal(buf_cstr(&b), want);
	buf_release(&b);
}

static void test_strip_think(void **state)
{
	(void)state;
	strip("B", "B");
	strip("", "");
	strip("<think>hmm A</think>B", "B");
	strip("<think>a</think> x <think>b</think> C", " C");
	strip("reasoning without the opening tag</think>\nAnswer: D", "\nAnswer: D");
	strip("<THINK>x</Think>E", "E");
	strip("A <think>cut off mid-thought", "A ");
	strip("<think>never closed", "");
	strip("</think></think>B", "B");
	strip("<think>a</think>B<think>", "B");
	strip("no tags at all </thin>", "no tags at all </thin>");
}

static void test_bad_input(void **state)
{
	struct extraction ex;
	const struct extract_def *x;
	size_t n, i, k;
	static const char nul[] = "B\0C";
	char *big;
	size_t bign = 2u << 20;

	(void)state;
	big = xmalloc(bign);
	for (k = 0; k < bign; k++)
		big[k] = "answer: (\xff<think>\\boxed{ 12,3 é"[k % 31];
	x = extract_list(&n);
	for (i = 0; i < n; i++) {
		/* NULL text, embedded NUL, invalid UTF-8, 2 MiB of junk: a result, no crash */
		assert_int_equal(extract_run(&x[i], NULL, 0, NULL, &ex), 0);
		assert_non_null(ex.value);
		assert_false(ex.found);
		extraction_release(&ex);
		assert_null(ex.value);
		assert_int_equal(extract_run(&x[i], nul, 3, NULL, &ex), 0);
		assert_non_null(ex.value);
		extraction_release(&ex);
		assert_int_equal(extract_run(&x[i], "\xff\xfe\xc3", 3, NULL, &ex), 0);
		extraction_release(&ex);
		assert_int_equal(extract_run(&x[i], big, bign, NULL, &ex), 0);
		extraction_release(&ex);
	}
	free(big);
	/* a NUL byte is U+FFFD: "B\0C" is not the token "B" */
	assert_int_equal(extract_run(extract_find("vsi-first-token"), nul, 3, NULL, &ex), 0);
	assert_string_equal(ex.value, "B\xef\xbf\xbd" "C");
	extraction_release(&ex);
	assert_int_equal(extract_run(extract_find("raw"), nul, 3, NULL, &ex), 0);
	assert_string_equal(ex.value, "B\xef\xbf\xbd" "C");
	extraction_release(&ex);
	/* raw keeps the bytes as they are; the others see U+FFFD */
	assert_int_equal(extract_run(extract_find("raw"), "B\xff", 2, NULL, &ex), 0);
	assert_string_equal(ex.value, "B\xff");
	extraction_release(&ex);
	assert_int_equal(extract_run(extract_find("vsi-first-token"), "B\xff", 2, NULL, &ex), 0);
	assert_string_equal(ex.value, "B\xef\xbf\xbd");
	extraction_release(&ex);
}

/* Long runs after each pattern's opening words: a pattern that backtracks
 * per repetition of a group would exhaust PCRE2's JIT stack (an error, not a
 * result). 16 KiB is well past where that happens (about 4000 characters). */
static void test_long_runs(void **state)
{
	static const char *const heads[] = { "final answer is:", "<answer>", "answer", "Answer:",
					     "(", "Ans =", "**", "Option", "The answer is", "\\boxed{" };
	static const char *const fills[] = { " ", "*", "\\text{", "(", "\n", " *", "\xc3\xa9", "1," };
	const struct extract_def *x;
	size_t n = 16 << 10, nx, i, h, f;
	char *t = xmalloc(n + 32);
	int bad = 0;

	(void)state;
	x = extract_list(&nx);
	for (h = 0; h < ARRAY_SIZE(heads); h++)
		for (f = 0; f < ARRAY_SIZE(fills); f++) {
			size_t hl = strlen(heads[h]), fl = strlen(fills[f]);
			memcpy(t, heads[h], hl);
			for (i = hl; i < n; i++)
				t[i] = fills[f][(i - hl) % fl];
			memcpy(t + n, "B</answer> is correct", 21);
			for (i = 0; i < nx; i++) {
				struct extraction ex;
				if (extract_run(&x[i], t, n + 21, NULL, &ex) < 0) {
					print_message("%s fails after '%s' + '%s'...\n", x[i].name, heads[h], fills[f]);
					bad++;
				}
				assert_non_null(ex.value);
				extraction_release(&ex);
			}
		}
	assert_int_equal(bad, 0);
	/* and each run is read: the letter after a long decoration run */
	for (i = 0; i < n; i++)
		t[i] = " *"[i % 2];
	memcpy(t, "final answer is:", 16);
	memcpy(t + n, "B", 2);
	{
		struct extraction ex;
		assert_int_equal(extract_run(extract_find("vlm4d-final-answer"), t, n + 1, NULL, &ex), 0);
		assert_string_equal(ex.value, "B");
		extraction_release(&ex);
	}
	free(t);
}

/* Extractors compile their patterns lazily: first use from many threads. */
static void *thread_run(void *arg)
{
	const struct extract_def *x;
	struct extraction ex;
	size_t n, i;
	int *bad = arg;

	x = extract_list(&n);
	for (i = 0; i < n; i++) {
		if (extract_run(&x[i], "Answer: (B)", 11, NULL, &ex) < 0)
			(*bad)++;
		extraction_release(&ex);
	}
	return NULL;
}

static void test_threads(void **state)
{
	pthread_t t[4];
	int bad[4] = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thread_run, &bad[i]), 0);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(bad[i], 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_goldens),
		cmocka_unit_test(test_strip_think),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_long_runs),
	};
	const struct CMUnitTest extra[] = {
		cmocka_unit_test(test_golden_extra),
	};
	const char *e = getenv("STEVAL_GOLDEN_EXTRA");

	/* with STEVAL_GOLDEN_EXTRA, only that file (tests/e2e/t_scorers.sh) */
	if (e && *e)
		return cmocka_run_group_tests(extra, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
