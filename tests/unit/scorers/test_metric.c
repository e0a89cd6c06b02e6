/* Unit tests: metrics, through tests/golden/metric.jsonl (the mra lines are
 * re-derived with CPython by tests/golden/check_official.py), and the MRA
 * threshold table recomputed the way numpy computes it. */
#include "lib/common.h"
#include "scorers/metric.h"
#include "scorers/extract.h"
#include "suites/suite.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/pystr.h"
#include "lib/util.h"

#include <math.h>
#include <setjmp.h>
#include <cmocka.h>

/* suites.md §5.5, as Python prints them */
static const char *const thresholds_py[10] = {
	"0.5", "0.44999999999999996", "0.4", "0.35", "0.30000000000000004", "0.25",
	"0.19999999999999996", "0.15000000000000002", "0.10000000000000009", "0.050000000000000044",
};

static void test_thresholds(void **state)
{
	volatile double start = 0.5, stop = 0.95, interval = 0.05, num, step, prod, y;
	struct buf b = BUF_INIT;
	int i, n;

	(void)state;
	/* num_pts = (end - start) / interval + 2 = 10.999999999999998 -> int 10 */
	num = (stop - start) / interval + 2;
	n = (int)num;
	assert_int_equal(n, 10);
	assert_true(num < 11.0);
	step = (stop - start) / (n - 1);
	for (i = 0; i < n; i++) {
		prod = i * step;          /* numpy: y = arange(num) * step; y += start */
		y = prod + start;
		if (i == n - 1)
			y = stop;         /* the endpoint is set to stop exactly */
		assert_true(1 - y == metric_mra_thresholds[i]);
		buf_reset(&b);
		py_float_repr(metric_mra_thresholds[i], &b);
		assert_string_equal(buf_cstr(&b), thresholds_py[i]);
	}
	buf_release(&b);
}

static void test_mra_direct(void **state)
{
	(void)state;
	assert_true(metric_mra(10, 10) == 1.0);
	assert_true(metric_mra(11, 10) == 0.9);
	assert_true(metric_mra(0, 0) == 1.0);
	assert_true(metric_mra(-0.0, 0) == 1.0);
	assert_true(metric_mra(1, 0) == 0.0);
	assert_true(metric_mra(NAN, 0) == 0.0);
	assert_true(metric_mra(NAN, 3) == 0.0);
	assert_true(metric_mra(3, NAN) == 0.0);
	assert_true(metric_mra(5, -2) == 1.0);
	assert_true(metric_mra(HUGE_VAL, 2) == 0.0);
	/* each value is k/10 as numpy's mean of ten booleans */
	assert_true(metric_mra(13, 10) == 5 / 10.0);
}

static enum answer_kind kind_of(const char *k)
{
	if (!k || !strcmp(k, "letter"))
		return ANS_LETTER;
	if (!strcmp(k, "text"))
		return ANS_TEXT;
	if (!strcmp(k, "value"))
		return ANS_VALUE;
	return ANS_NUMBER;
}

static void test_goldens(void **state)
{
	struct buf file = BUF_INIT;
	size_t p = 0, line = 0, cases = 0;
	int bad = 0;
	const char *path = "tests/golden/metric.jsonl";

	(void)state;
	assert_int_equal(read_file(path, &file), 0);
	while (p < file.len) {
		const char *nl = memchr(file.data + p, '\n', file.len - p);
		size_t e = nl ? (size_t)(nl - file.data) : file.len;
		struct qtype qt;
		struct item it;
		struct extraction x;
		const struct metric_def *m;
		const cJSON *tol, *expect;
		const char *acc;
		double got, d;
		cJSON *c;

		line++;
		if (e == p) {
			p = e + 1;
			continue;
		}
		c = json_parse(file.data + p, e - p, path, line);
		p = e + 1;
		assert_non_null(c);
		memset(&qt, 0, sizeof(qt));
		memset(&it, 0, sizeof(it));
		qt.name = (char *)"t";
		qt.kind = kind_of(json_get_str(c, "kind"));
		it.id = (char *)"golden";
		it.type = &qt;
		it.answer = (char *)json_get_str(c, "answer");
		it.answer_num = NAN;
		if (qt.kind == ANS_NUMBER && py_float(it.answer, strlen(it.answer), &d) == 0)
			it.answer_num = d;
		acc = json_get_str(c, "accepted");
		if (acc)
			snprintf(it.accepted, sizeof(it.accepted), "%s", acc);
		else if (qt.kind == ANS_LETTER)
			snprintf(it.accepted, sizeof(it.accepted), "%s", it.answer);
		x.value = (char *)json_get_str(c, "value");
		x.found = 1;
		x.rule = 0;
		m = metric_find(json_get_str(c, "metric"));
		tol = json_get(c, "tol");
		expect = json_get(c, "expect");
		assert_non_null(m);
		assert_non_null(x.value);
		assert_true(cJSON_IsNumber(expect));
		got = metric_score(m, &it, &x, cJSON_IsNumber(tol) ? tol->valuedouble : 0);
		cases++;
		if (got != expect->valuedouble) {
			print_message("%s:%zu: %s('%s', '%s') = %.17g, want %.17g (%s)\n", path, line, m->name,
				      x.value, it.answer, got, expect->valuedouble,
				      json_get_str(c, "why") ? json_get_str(c, "why") : "");
			bad++;
		}
		cJSON_Delete(c);
	}
	buf_release(&file);
	print_message("# %zu metric golden cases\n", cases);
	assert_true(cases >= 50);
	assert_int_equal(bad, 0);
}

static void test_table(void **state)
{
	const struct metric_def *m;
	size_t n, i;
	static const char *const names[] = { "exact-ci", "last-char", "letter", "mra", "abs-tol", "rel-tol" };
	static const int numeric[] = { 0, 0, 0, 1, 1, 1 };
	struct item it;
	struct extraction x = { (char *)"B", 1, 0 };

	(void)state;
	m = metric_list(&n);
	assert_int_equal(n, ARRAY_SIZE(names));
	for (i = 0; i < n; i++) {
		assert_ptr_equal(metric_find(names[i]), &m[i]);
		assert_int_equal(m[i].numeric, numeric[i]);
		assert_true(strlen(m[i].summary) > 0);
	}
	assert_null(metric_find("nope"));
	assert_null(metric_find(NULL));
	/* no item or a NULL value: 0, never a crash */
	memset(&it, 0, sizeof(it));
	it.answer_num = NAN;
	assert_true(metric_score(&m[0], NULL, &x, 0) == 0);
	x.value = NULL;
	for (i = 0; i < n; i++)
		assert_true(metric_score(&m[i], &it, &x, 0) == 0);
	assert_true(metric_score(&m[0], &it, NULL, 0) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thresholds),
		cmocka_unit_test(test_mra_direct),
		cmocka_unit_test(test_goldens),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
