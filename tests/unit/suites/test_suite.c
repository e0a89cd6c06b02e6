/* Unit tests: readers, Python literals, conditions, templates, spec loading,
 * aggregation, the run store. Specs and data are written to a temporary
 * directory. */
#include "lib/common.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/store.h"
#include "lib/util.h"
#include "lib/xalloc.h"
#include "scorers/aggregate.h"
#include "scorers/grade.h"
#include "suites/cond.h"
#include "suites/reader.h"
#include "suites/render.h"
#include "suites/suite.h"

#include <math.h>
#include <setjmp.h>
#include <unistd.h>
#include <cmocka.h>

static char tmpdir[256];

static char *write_tmp(const char *name, const char *text)
{
	char *p = path_join(tmpdir, name);
	assert_int_equal(write_file_atomic(p, text, strlen(text)), 0);
	return p;
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/steval-unit-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- readers ---- */

struct rows {
	cJSON *all;
	size_t where[16];
	size_t n;
};

static int collect(cJSON *rec, size_t where, void *ctx)
{
	struct rows *r = ctx;
	if (r->n < 16)
		r->where[r->n] = where;
	r->n++;
	cJSON_AddItemToArray(r->all, rec);
	return 0;
}

static void test_reader_tsv(void **state)
{
	struct rows r = { cJSON_CreateArray(), { 0 }, 0 };
	char *p = write_tmp("a.tsv",
		"\tquestion\toptions\tanswer\n"
		"0\tplain\t['1.80m', \"it's\", 3, None]\tA\n"
		"1\t\"has\ttab and \"\"quotes\"\"\nand newline\"\t[]\t\n"
		"\n"
		"2\tm/s\xc2\xb2\t{'A': 'x', 'B': 2.50}\tB\n");
	const cJSON *row;
	struct buf b = BUF_INIT;
	const char *err = NULL;
	cJSON *lit;

	(void)state;
	assert_int_equal(reader_dsv(p, '\t', collect, &r), 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.where[0], 2);
	assert_int_equal(r.where[1], 3);
	assert_int_equal(r.where[2], 6);
	row = cJSON_GetArrayItem(r.all, 1);
	assert_string_equal(json_get_str(row, "question"), "has\ttab and \"quotes\"\nand newline");
	assert_true(cJSON_IsNull(json_get(row, "answer")));
	assert_string_equal(json_get_str(row, "index"), "1");
	row = cJSON_GetArrayItem(r.all, 0);
	lit = pylit_parse(json_get_str(row, "options"), strlen(json_get_str(row, "options")), &err);
	assert_non_null(lit);
	json_pystr(lit, &b);
	assert_string_equal(buf_cstr(&b), "['1.80m', \"it's\", 3, None]");
	cJSON_Delete(lit);
	buf_reset(&b);
	row = cJSON_GetArrayItem(r.all, 2);
	lit = pylit_parse(json_get_str(row, "options"), strlen(json_get_str(row, "options")), &err);
	assert_non_null(lit);
	json_pystr(lit, &b);
	assert_string_equal(buf_cstr(&b), "{'A': 'x', 'B': 2.5}");
	cJSON_Delete(lit);
	lit = pylit_parse("['a', ", 6, &err);
	assert_null(lit);
	assert_non_null(err);
	buf_release(&b);
	cJSON_Delete(r.all);
	free(p);
}

static void test_reader_errors(void **state)
{
	struct rows r = { cJSON_CreateArray(), { 0 }, 0 };
	struct buf log = BUF_INIT;
	char *p1 = write_tmp("bad.jsonl", "{\"a\": 1}\n{\"a\": 2}\n\n{\"a\": 3,}\n");
	char *p2 = write_tmp("bad.tsv", "a\tb\n1\t2\n3\n");
	char *p3 = write_tmp("bad.json", "{\"a\": [1, 2]}");
	char *p4 = write_tmp("quote.csv", "a,b\n\"unterminated,2\n");

	(void)state;
	log_capture(&log);
	assert_int_equal(reader_jsonl(p1, collect, &r), -1);
	assert_non_null(strstr(buf_cstr(&log), "bad.jsonl': line 4"));
	assert_int_equal(r.n, 2);   /* what came before the bad line was delivered */
	buf_reset(&log);
	assert_int_equal(reader_dsv(p2, '\t', collect, &r), -1);
	assert_non_null(strstr(buf_cstr(&log), "bad.tsv': line 3: 1 fields, the header has 2"));
	buf_reset(&log);
	assert_int_equal(reader_json(p3, collect, &r), -1);
	assert_non_null(strstr(buf_cstr(&log), "expected a JSON array"));
	buf_reset(&log);
	assert_int_equal(reader_dsv(p4, ',', collect, &r), -1);
	assert_non_null(strstr(buf_cstr(&log), "line 2: unterminated quote"));
	log_capture(NULL);
	buf_release(&log);
	cJSON_Delete(r.all);
	free(p1);
	free(p2);
	free(p3);
	free(p4);
}

/* ---- a small spec ---- */

static const char *spec_text =
	"{\"name\": \"tiny\", \"title\": \"Tiny\","
	" \"data\": {\"sources\": [{\"split\": \"a\", \"files\": [\"a.jsonl\"]},"
	"                        {\"split\": \"b\", \"files\": [\"b.json\"], \"optional\": true}]},"
	" \"fields\": {\"id\": \"id\", \"unique_id\": {\"template\": \"{$stem}/{id}\"},"
	"   \"question\": \"q\", \"category\": \"cat\", \"options\": {\"field\": \"opts\", \"style\": \"dict\"},"
	"   \"t_start\": \"t0\", \"t_end\": \"t1\"},"
	" \"derive\": {\"half\": [{\"when\": {\"field\": \"$source_id\", \"regex\": \"([0-9]+)$\", \"le\": 2}, \"value\": \"low\"},"
	"                       {\"value\": \"high\"}]},"
	" \"types\": [{\"name\": \"mc\", \"kind\": \"text\", \"answer\": \"ans\", \"when\": {\"field\": \"opts\", \"present\": true}},"
	"            {\"name\": \"na\", \"kind\": \"number\", \"answer\": \"ans\"}],"
	" \"categories\": [{\"name\": \"x\", \"label\": \"X\"}, {\"name\": \"g\", \"label\": \"G\", \"members\": [\"y\", \"z\"]},"
	"                 {\"name\": \"y\"}, {\"name\": \"z\"}],"
	" \"splits\": [{\"name\": \"low\", \"where\": {\"field\": \"half\", \"eq\": \"low\"}}],"
	" \"aggregate\": {\"overall\": \"category-mean\", \"over\": \"top\", \"scale\": 100, \"round\": 2},"
	" \"protocols\": {\"p\": {\"templates\": {\"mc\": \"Q: {question}\\n{options}\\n{{x}} {t_start:.2f}-{t_end}\","
	"                                        \"na\": \"N: {question} [{video.sample_fps:.2f}] {cat}\"},"
	"                        \"option_format\": \"({letter}) {text}\", \"option_join\": \"; \","
	"                        \"extractor\": \"raw\", \"metric\": {\"mc\": \"letter\", \"na\": \"mra\"}},"
	"                \"q\": {\"inherit\": \"p\", \"option_format\": \"{letter}: {text}\"}}}";

static const char *data_a =
	"{\"id\": \"v_1\", \"q\": \"Which?\", \"cat\": \"x\", \"opts\": {\"A\": \"left\", \"B\": 1, \"C\": \"left\"}, \"ans\": \"left\", \"t0\": 2.0, \"t1\": 3}\n"
	"{\"id\": \"v_2\", \"q\": \"How far?\", \"cat\": \"y\", \"ans\": \"2.5\"}\n"
	"{\"id\": \"v_3\", \"q\": \"Count?\", \"cat\": \"z\", \"opts\": {\"A\": 0, \"B\": 1}, \"ans\": 1}\n";

static void open_tiny(struct suite *s)
{
	char *spec = write_tmp("tiny.json", spec_text);
	char *a = write_tmp("a.jsonl", data_a);

	assert_int_equal(suite_open(s, spec), 0);
	assert_int_equal(suite_load(s, tmpdir), 0);
	free(spec);
	free(a);
}

static void test_load(void **state)
{
	struct suite s;
	const struct item *it;

	(void)state;
	open_tiny(&s);
	assert_int_equal(s.nitems, 3);
	it = suite_item(&s, "a/v_1");
	assert_non_null(it);
	assert_string_equal(it->source_id, "v_1");
	assert_string_equal(it->type->name, "mc");
	assert_string_equal(it->accepted, "AC");     /* two options with the truth's text */
	assert_string_equal(it->opts[1].text, "1");
	assert_string_equal(it->t_start, "2.0");
	assert_string_equal(it->t_end, "3");
	assert_string_equal(json_get_str(it->derived, "half"), "low");
	it = suite_item(&s, "a/v_2");
	assert_string_equal(it->type->name, "na");
	assert_true(it->answer_num == 2.5);
	it = suite_item(&s, "a/v_3");
	assert_string_equal(json_get_str(it->derived, "half"), "high");
	assert_string_equal(it->accepted, "B");
	assert_null(suite_item(&s, "v_1"));
	assert_non_null(suite_protocol(&s, "q"));
	assert_string_equal(suite_protocol(&s, NULL)->name, "p");
	suite_release(&s);
}

static void test_render(void **state)
{
	struct suite s;
	struct buf b = BUF_INIT, log = BUF_INIT;
	struct render_media m = { 1, 10.5, 30, 2.5, 315, 8 };

	(void)state;
	open_tiny(&s);
	assert_int_equal(render_prompt(suite_protocol(&s, "p"), suite_item(&s, "a/v_1"), NULL, 0, &b), 0);
	assert_string_equal(buf_cstr(&b), "Q: Which?\n(A) left; (B) 1; (C) left\n{x} 2.00-3");
	buf_reset(&b);
	assert_int_equal(render_prompt(suite_protocol(&s, "q"), suite_item(&s, "a/v_1"), NULL, 0, &b), 0);
	assert_string_equal(buf_cstr(&b), "Q: Which?\nA: left; B: 1; C: left\n{x} 2.00-3");
	buf_reset(&b);
	/* video facts: placeholders for `show`, values when known, an error otherwise */
	assert_int_equal(render_prompt(suite_protocol(&s, "p"), suite_item(&s, "a/v_2"), NULL, 1, &b), 0);
	assert_string_equal(buf_cstr(&b), "N: How far? [<video.sample_fps>] y");
	buf_reset(&b);
	assert_int_equal(render_prompt(suite_protocol(&s, "p"), suite_item(&s, "a/v_2"), &m, 0, &b), 0);
	assert_string_equal(buf_cstr(&b), "N: How far? [2.50] y");
	buf_reset(&b);
	log_capture(&log);
	assert_int_equal(render_prompt(suite_protocol(&s, "p"), suite_item(&s, "a/v_2"), NULL, 0, &b), -1);
	assert_non_null(strstr(buf_cstr(&log), "item 'a/v_2'"));
	buf_reset(&log);
	buf_reset(&b);
	assert_int_equal(render_fields("{nope}", suite_item(&s, "a/v_2"), &b), -1);
	assert_non_null(strstr(buf_cstr(&log), "unknown name '{nope}'"));
	buf_reset(&b);
	assert_int_equal(render_fields("a } b", suite_item(&s, "a/v_2"), &b), -1);
	assert_int_equal(render_fields("{q:.2f}", suite_item(&s, "a/v_2"), &b), -1);
	assert_non_null(strstr(buf_cstr(&log), "formats a number"));
	log_capture(NULL);
	buf_release(&log);
	buf_release(&b);
	suite_release(&s);
}

static void test_cond(void **state)
{
	struct suite s;
	const struct item *it;
	struct buf log = BUF_INIT;
	struct cond *c;
	cJSON *j;

	(void)state;
	open_tiny(&s);
	it = suite_item(&s, "a/v_1");
#define EVAL(text, want) do { \
		j = cJSON_Parse(text); \
		c = cond_compile(j, "test"); \
		assert_non_null(c); \
		assert_int_equal(cond_eval(c, it), want); \
		cond_free(c); \
		cJSON_Delete(j); \
	} while (0)
	EVAL("{\"field\": \"q\", \"eq\": \"Which?\"}", 1);
	EVAL("{\"field\": \"q\", \"transform\": [\"lower\"], \"eq\": \"which?\"}", 1);
	EVAL("{\"field\": \"$split\", \"in\": [\"b\", \"a\"]}", 1);
	EVAL("{\"field\": \"$source_id\", \"regex\": \"_(\\\\d+)$\", \"gt\": 0, \"lt\": 2}", 1);
	EVAL("{\"field\": \"t0\", \"ge\": 2}", 1);
	EVAL("{\"field\": \"t0\", \"eq\": \"2.0\"}", 1);
	EVAL("{\"field\": \"missing\", \"present\": false}", 1);
	EVAL("{\"field\": \"missing\", \"eq\": \"x\"}", 0);
	EVAL("{\"not\": {\"field\": \"q\", \"contains\": \"hic\"}}", 0);
	EVAL("{\"any\": [{\"field\": \"q\", \"startswith\": \"W\"}, {\"field\": \"q\", \"eq\": \"no\"}]}", 1);
	EVAL("{\"all\": [{\"field\": \"q\", \"endswith\": \"?\"}, {\"field\": \"q\", \"eq\": \"no\"}]}", 0);
#undef EVAL
	log_capture(&log);
	j = cJSON_Parse("{\"field\": \"q\", \"like\": 1}");
	assert_null(cond_compile(j, "where"));
	assert_non_null(strstr(buf_cstr(&log), "where: unknown condition key 'like'"));
	cJSON_Delete(j);
	j = cJSON_Parse("{\"field\": \"q\", \"regex\": \"(\"}");
	assert_null(cond_compile(j, "where"));
	cJSON_Delete(j);
	log_capture(NULL);
	buf_release(&log);
	suite_release(&s);
}

static void test_spec_errors(void **state)
{
	struct suite s;
	struct buf log = BUF_INIT;
	char *p;

	(void)state;
	log_capture(&log);
	p = write_tmp("typo.json", "{\"name\": \"t\", \"protocol\": {}}");
	assert_int_equal(suite_open(&s, p), -1);
	assert_non_null(strstr(buf_cstr(&log), "unknown key 'protocol'"));
	suite_release(&s);
	free(p);
	buf_reset(&log);
	p = write_tmp("loop.json",
		"{\"name\": \"t\", \"data\": {\"sources\": []}, \"fields\": {},"
		" \"types\": [{\"name\": \"mc\", \"kind\": \"letter\", \"answer\": \"a\"}],"
		" \"protocols\": {\"a\": {\"inherit\": \"b\"}, \"b\": {\"inherit\": \"a\"}}}");
	assert_int_equal(suite_open(&s, p), -1);
	assert_non_null(strstr(buf_cstr(&log), "chain too long"));
	suite_release(&s);
	free(p);
	buf_reset(&log);
	p = write_tmp("nox.json",
		"{\"name\": \"t\", \"data\": {\"sources\": []}, \"fields\": {},"
		" \"types\": [{\"name\": \"mc\", \"kind\": \"letter\", \"answer\": \"a\"}],"
		" \"protocols\": {\"a\": {\"template\": \"x\", \"extractor\": \"nope\", \"metric\": \"letter\"}}}");
	assert_int_equal(suite_open(&s, p), -1);
	assert_non_null(strstr(buf_cstr(&log), "unknown or missing extractor 'nope'"));
	suite_release(&s);
	free(p);
	buf_reset(&log);
	assert_int_equal(suite_open(&s, "no-such-suite"), -1);
	assert_non_null(strstr(buf_cstr(&log), "no suite 'no-such-suite'"));
	suite_release(&s);
	log_capture(NULL);
	buf_release(&log);
}

/* ---- aggregation ---- */

static void test_aggregate(void **state)
{
	struct suite s;
	struct agg_sample v[3];
	struct agg_result r;

	(void)state;
	open_tiny(&s);
	v[0] = (struct agg_sample){ suite_item(&s, "a/v_1"), GRADE_OK, 1.0, NULL };
	v[1] = (struct agg_sample){ suite_item(&s, "a/v_2"), GRADE_UNPARSED, 0.3, NULL };
	v[2] = (struct agg_sample){ suite_item(&s, "a/v_3"), GRADE_ERROR, 0, NULL };
	assert_int_equal(agg_compute(&s, v, 3, &r), 0);
	/* categories: x = 100, y = 30, z = no score; g = mean(y) = 30; overall = mean(x, g) */
	assert_true(fabs(r.cats[0].exact - 100) < 1e-9);
	assert_true(r.cats[1].merged);
	assert_true(fabs(r.cats[1].exact - 30) < 1e-9);
	assert_true(isnan(r.cats[3].exact));
	assert_int_equal(r.cats[3].error, 1);
	assert_true(fabs(r.overall.exact - 65) < 1e-9);
	assert_int_equal(r.overall.n, 3);
	assert_int_equal(r.overall.ok, 1);
	assert_int_equal(r.overall.unparsed, 1);
	assert_int_equal(r.overall.error, 1);
	assert_int_equal(r.nsplits, 1);
	assert_int_equal(r.splits[0].n, 2);
	assert_true(fabs(r.splits[0].exact - 65) < 1e-9);
	agg_release(&r);
	/* item mean instead */
	free(s.overall);
	s.overall = xstrdup("item-mean");
	assert_int_equal(agg_compute(&s, v, 3, &r), 0);
	assert_true(fabs(r.overall.exact - 65) < 1e-9);
	agg_release(&r);
	suite_release(&s);
	/* Python's round(): half to even on the binary value */
	assert_true(agg_round(43.25309992706054, 2) == 43.25);
	assert_true(agg_round(0.125, 2) == 0.12);
	assert_true(agg_round(0.375, 2) == 0.38);
	assert_true(agg_round(2.675, 2) == 2.67);
	assert_true(agg_round(1.5, -1) == 1.5);
}

/* ---- store ---- */

static int count_lines(cJSON *rec, size_t line, void *ctx)
{
	(void)line;
	(*(int *)ctx)++;
	cJSON_Delete(rec);
	return 0;
}

static void test_store_torn(void **state)
{
	struct store st;
	char *dir = path_join(tmpdir, "run"), *sp;
	size_t torn;
	int n = 0;
	FILE *f;

	(void)state;
	assert_int_equal(store_open_dir(&st, dir, 1), 0);
	assert_int_equal(store_append(&st, "{\"id\":\"a\"}", 10), 0);
	assert_int_equal(store_append(&st, "{\"id\":\"b\"}", 10), 0);
	store_close(&st);
	sp = path_join(dir, "samples.jsonl");
	f = fopen(sp, "a");
	fputs("{\"id\":\"c\",\"resp", f);   /* a write cut short by a crash */
	fclose(f);
	assert_int_equal(store_read_jsonl(sp, count_lines, &n, &torn), 0);
	assert_int_equal(n, 2);
	assert_int_equal(torn, 22);
	/* reopening for a resume cuts the torn line */
	assert_int_equal(store_open_dir(&st, dir, 0), 0);
	assert_int_equal(store_append(&st, "{\"id\":\"c\"}", 10), 0);
	store_close(&st);
	n = 0;
	assert_int_equal(store_read_jsonl(sp, count_lines, &n, &torn), 0);
	assert_int_equal(n, 3);
	assert_int_equal(torn, SIZE_MAX);
	free(sp);
	free(dir);
	{
		char *safe = store_safe_name("openai@http://127.0.0.1:8000/v1:Qwen/Qwen2.5-VL");
		assert_string_equal(safe, "openai_127.0.0.1_8000_v1_Qwen_Qwen2.5-VL");
		free(safe);
		safe = store_safe_name("../..");
		assert_string_equal(safe, ".._..");
		free(safe);
		safe = store_safe_name("..");
		assert_string_equal(safe, "..model");
		free(safe);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_tsv),
		cmocka_unit_test(test_reader_errors),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_cond),
		cmocka_unit_test(test_spec_errors),
		cmocka_unit_test(test_aggregate),
		cmocka_unit_test(test_store_torn),
	};
	grade_register_names();
	return cmocka_run_group_tests_name("suite", tests, setup, teardown);
}
