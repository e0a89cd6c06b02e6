/* Unit tests: the judge protocol (scorers/judge.c).
 *  - the judge prompts of real VLM4D items against tests/golden/judge/cases.json,
 *    made by make_cases.py from the official code (int choices, a missing
 *    response, a synthetic item, MLLM-4D's empty response), through the judge
 *    blocks of suites/vlm4d.json and suites/mllm4d-bench.json, and the system
 *    prompts' sha256 from judges.md;
 *  - both reply parsers on every case of tests/golden/judge/parser.jsonl, whose
 *    expectations make_parser.py computed with json.loads and pydantic;
 *  - the cache key, judge_apply, the agreement statistics. */
#include "lib/common.h"
#include "scorers/judge.h"
#include "suites/suite.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/util.h"

#include <math.h>
#include <setjmp.h>
#include <cmocka.h>

static cJSON *load(const char *path)
{
	cJSON *j = json_parse_file(path, (size_t)16 << 20);

	assert_non_null(j);
	return j;
}

/* The suite spec's protocol judge (no data needed). */
static void spec_judge(const char *spec, const char *proto, struct judge_proto *jp)
{
	struct suite s;
	const struct protocol *p;

	memset(&s, 0, sizeof(s));
	assert_int_equal(suite_open(&s, spec), 0);
	p = suite_protocol(&s, proto);
	assert_non_null(p);
	assert_int_equal(judge_proto_load(jp, p), 1);
	suite_release(&s);
}

/* An item as suites/load.c builds it from a VLM4D record. */
static void item_of(const cJSON *rec, struct item *it, struct option *opts)
{
	struct buf b = BUF_INIT;
	const cJSON *c;
	size_t n = 0;

	memset(it, 0, sizeof(*it));
	it->id = (char *)json_get_str(rec, "id");
	it->question = (char *)json_get_str(rec, "question");
	json_pystr(json_get(rec, "answer"), &b);
	it->answer = buf_detach(&b, NULL);
	cJSON_ArrayForEach(c, json_get(rec, "choices")) {
		memset(&opts[n], 0, sizeof(opts[n]));
		snprintf(opts[n].letter, sizeof(opts[n].letter), "%s", c->string);
		json_pystr(c, &b);
		opts[n].text = buf_detach(&b, NULL);
		opts[n].value = c;
		n++;
	}
	it->opts = opts;
	it->nopt = n;
}

static void test_prompts(void **state)
{
	cJSON *g = load("tests/golden/judge/cases.json");
	const cJSON *c;
	struct judge_proto v, m;
	char hex[65];
	size_t n = 0, i;

	(void)state;
	spec_judge("suites/vlm4d.json", "cot", &v);
	spec_judge("suites/mllm4d-bench.json", "rl_cot", &m);
	assert_string_equal(v.system_sha256, "c9b34c9a4b6dc1c16eacd81bc4a18a59972ee5c8f10370f4a5707174737780ea");
	assert_string_equal(m.system_sha256, "a45037e80b77950b1d1e1e4804971fe03a96c61ccf151e1b84525b72357b30b6");
	assert_int_equal(strlen(v.system), 801);
	assert_int_equal(strlen(m.system), 826);
	assert_string_equal(v.system, json_get_str(json_get(g, "system"), "vlm4d"));
	assert_string_equal(m.system, json_get_str(json_get(g, "system"), "mllm4d"));
	assert_int_equal(v.parser, JUDGE_PARSE_JSON);
	assert_int_equal(m.parser, JUDGE_PARSE_BRACES);
	assert_string_equal(m.unparsed, "Parsing Error");
	assert_string_equal(v.unparsed, "");
	assert_string_equal(v.model, "o4-mini");
	cJSON_ArrayForEach(c, json_get(g, "cases")) {
		struct item it;
		struct option opts[8];
		struct buf out = BUF_INIT;
		const char *want = json_get_str(c, "user"), *judge = json_get_str(c, "judge");
		const cJSON *resp = json_get(c, "response");
		struct judge_proto *jp = !strcmp(judge, "vlm4d") ? &v : &m;
		item_of(json_get(c, "record"), &it, opts);
		assert_int_equal(judge_render(jp, &it, cJSON_IsString(resp) ? resp->valuestring : NULL,
					      cJSON_IsString(resp) ? strlen(resp->valuestring) : 0, &out), 0);
		if (strcmp(buf_cstr(&out), want))
			fail_msg("case '%s':\n got: %s\nwant: %s", json_get_str(c, "name"), buf_cstr(&out), want);
		sha256_hex(buf_cstr(&out), out.len, hex);
		assert_string_equal(hex, json_get_str(c, "user_sha256"));
		assert_string_equal(jp->system_sha256, json_get_str(c, "system_sha256"));
		buf_release(&out);
		free(it.answer);
		for (i = 0; i < it.nopt; i++)
			free(opts[i].text);
		n++;
	}
	assert_true(n >= 6);
	print_message("# %zu judge prompt cases\n", n);
	judge_proto_release(&v);
	judge_proto_release(&m);
	cJSON_Delete(g);
}

static void test_parser(void **state)
{
	struct judge_proto v, m;
	struct buf b = BUF_INIT;
	FILE *f = fopen("tests/golden/judge/parser.jsonl", "r");
	char line[8192];
	size_t n = 0;

	(void)state;
	assert_non_null(f);
	spec_judge("suites/vlm4d.json", "cot", &v);
	spec_judge("suites/mllm4d-bench.json", "rl_cot", &m);
	while (fgets(line, sizeof(line), f)) {
		cJSON *c = cJSON_Parse(line);
		struct judge_reading r;
		const char *text, *parser;
		int want_ok;
		assert_non_null(c);
		text = json_get_str(c, "text");
		parser = json_get_str(c, "parser");
		want_ok = !strcmp(json_get_str(c, "status"), "ok");
		judge_read(!strcmp(parser, "braces") ? &m : &v, text, strlen(text), &r);
		if ((r.status == JUDGE_OK) != want_ok || r.correct != cJSON_IsTrue(json_get(c, "correct")) ||
		    strcmp(r.extracted, json_get_str(c, "extracted")))
			fail_msg("%s parser, '%s': got %s %d '%s' (%s)", parser, json_get_str(c, "why"),
				 r.status == JUDGE_OK ? "ok" : "unparsed", r.correct, r.extracted,
				 r.why ? r.why : "");
		if (r.status == JUDGE_UNPARSED)
			assert_non_null(r.why);
		judge_reading_release(&r);
		cJSON_Delete(c);
		n++;
	}
	fclose(f);
	assert_true(n >= 100);
	print_message("# %zu judge reply cases\n", n);
	/* a refusal: no content */
	{
		struct judge_reading r;
		judge_read(&v, NULL, 0, &r);
		assert_int_equal(r.status, JUDGE_UNPARSED);
		assert_string_equal(r.extracted, "");
		judge_reading_release(&r);
	}
	/* deep nesting is bounded (Python raises RecursionError) */
	buf_adds(&b, "{\"extracted_answer\": \"A\", \"correct\": true, \"x\": ");
	for (n = 0; n < 5000; n++)
		buf_addch(&b, '[');
	{
		struct judge_reading r;
		judge_read(&m, buf_cstr(&b), b.len, &r);
		assert_int_equal(r.status, JUDGE_UNPARSED);
		judge_reading_release(&r);
	}
	buf_release(&b);
	judge_proto_release(&v);
	judge_proto_release(&m);
}

static int key_of(const char *model, const char *body, char hex[65])
{
	return judge_cache_key(model, body, strlen(body), hex);
}

static void test_cache_key(void **state)
{
	char a[65], b[65], c[65], d[65], e[65];

	(void)state;
	assert_int_equal(key_of("o4-mini", "{\"model\":\"o4-mini\",\"temperature\":1.0}", a), 0);
	/* transport fields do not count */
	assert_int_equal(key_of("o4-mini", "{\"model\":\"o4-mini\",\"temperature\":1.0,"
				"\"stream\":true,\"stream_options\":{\"include_usage\":true}}", b), 0);
	assert_string_equal(a, b);
	/* another judge model, another setting: another key */
	assert_int_equal(key_of("gpt-4o", "{\"model\":\"o4-mini\",\"temperature\":1.0}", c), 0);
	assert_string_not_equal(a, c);
	assert_int_equal(key_of("o4-mini", "{\"model\":\"o4-mini\",\"temperature\":0.0}", d), 0);
	assert_string_not_equal(a, d);
	/* a number's spelling is part of the request */
	assert_int_equal(key_of("o4-mini", "{\"model\":\"o4-mini\",\"temperature\":1}", e), 0);
	assert_string_not_equal(a, e);
	assert_int_equal(key_of("o4-mini", "[1]", e), -1);
}

static void test_apply_and_stats(void **state)
{
	cJSON *rec = cJSON_Parse("{\"id\":\"real_mc/validation_3\",\"category\":\"real/exo\",\"status\":\"ok\","
				 "\"extracted\":\"D\",\"rule\":0,\"score\":0,\"variants\":{\"robust\":"
				 "{\"status\":\"ok\",\"extracted\":\"D\",\"score\":0}},\"response\":\"D\"}");
	struct judge_reading rd = { JUDGE_OK, 1, (char *)"A: 1", NULL };
	struct judge_result r;
	struct judge_stats st;
	struct buf b = BUF_INIT;
	struct jw w;
	const cJSON *j;
	cJSON *res;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.reading = &rd;
	r.reply = "{\"extracted_answer\":\"A: 1\",\"correct\":true}";
	r.judge_name = "vlm4d-o4-mini";
	r.judge_model = "o4-mini";
	r.in_tokens = 300;
	r.out_tokens = 20;
	r.cost = 0.001;
	r.attempts = 2;
	judge_apply(rec, &r);
	assert_string_equal(json_get_str(rec, "status"), "ok");
	assert_string_equal(json_get_str(rec, "extracted"), "A: 1");
	assert_true(json_get(rec, "score")->valuedouble == 1);
	assert_null(json_get(rec, "rule"));
	assert_true(cJSON_IsTrue(json_get(rec, "verdict")));
	/* the rule-based grading is kept, first among the variants */
	assert_string_equal(json_get(rec, "variants")->child->string, "rules");
	assert_string_equal(json_get_str(json_get(json_get(rec, "variants"), "rules"), "extracted"), "D");
	assert_non_null(json_get(json_get(rec, "variants"), "robust"));
	j = json_get(rec, "judge");
	assert_string_equal(json_get_str(j, "status"), "ok");
	assert_false(cJSON_IsTrue(json_get(j, "cached")));
	assert_true(judge_done(rec, "vlm4d-o4-mini", "o4-mini"));
	assert_false(judge_done(rec, "vlm4d-o4-mini", "gpt-4o"));
	/* judged again (a judge_error this time): the rules stay the model's */
	memset(&r, 0, sizeof(r));
	r.error = 1;
	r.error_msg = "HTTP 500";
	r.judge_name = "vlm4d-o4-mini";
	r.judge_model = "o4-mini";
	r.in_tokens = r.out_tokens = -1;
	r.cost = -1;
	judge_apply(rec, &r);
	assert_string_equal(json_get_str(rec, "status"), "error");
	assert_true(cJSON_IsNull(json_get(rec, "score")));
	assert_string_equal(json_get_str(json_get(json_get(rec, "variants"), "rules"), "extracted"), "D");
	assert_false(judge_done(rec, "vlm4d-o4-mini", "o4-mini"));
	assert_string_equal(json_get_str(json_get(rec, "judge"), "status"), "judge_error");

	judge_stats_init(&st);
	judge_stats_add(&st, rec);
	cJSON_Delete(rec);
	rec = cJSON_Parse("{\"id\":\"b\",\"status\":\"ok\",\"score\":1,\"variants\":{\"rules\":{\"status\":\"ok\","
			  "\"extracted\":\"A\",\"score\":1}},\"judge\":{\"name\":\"n\",\"model\":\"m\",\"status\":\"ok\","
			  "\"verdict\":true,\"extracted\":\"A: x\",\"cached\":false,\"usage\":{\"input\":10,\"output\":2},"
			  "\"cost\":0.5}}");
	judge_stats_add(&st, rec);
	cJSON_Delete(rec);
	rec = cJSON_Parse("{\"id\":\"c\",\"status\":\"unparsed\",\"score\":0,\"variants\":{\"rules\":{\"status\":\"ok\","
			  "\"extracted\":\"B\",\"score\":1}},\"judge\":{\"name\":\"n\",\"model\":\"m\",\"status\":"
			  "\"unparsed_verdict\",\"verdict\":false,\"extracted\":\"Parsing Error\",\"cached\":true}}");
	judge_stats_add(&st, rec);
	cJSON_Delete(rec);
	assert_int_equal(st.judged, 3);
	assert_int_equal(st.errors, 1);
	assert_int_equal(st.unparsed, 1);
	assert_int_equal(st.n2, 2);
	assert_int_equal(st.agree, 1);
	assert_int_equal(st.cached, 1);
	assert_true(isnan(judge_kappa(&st)) || judge_kappa(&st) <= 0);
	jw_init(&w, &b, 0);
	jw_obj(&w);
	judge_stats_json(&st, NULL, &w);
	jw_end(&w);
	res = cJSON_Parse(buf_cstr(&b));
	assert_non_null(res);
	assert_int_equal((int)json_get(json_get(res, "judge"), "judge_error")->valuedouble, 1);
	assert_int_equal(cJSON_GetArraySize(json_get(json_get(res, "judge"), "disagree")), 1);
	assert_true(json_get(json_get(res, "judge"), "cost")->valuedouble == 0.5);
	cJSON_Delete(res);
	buf_release(&b);
	judge_stats_release(&st);
}

static void test_kappa(void **state)
{
	struct judge_stats s;

	(void)state;
	judge_stats_init(&s);
	/* 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no: po 0.7, pe 0.5, kappa 0.4 */
	s.jr_yes_rule_yes = 20;
	s.jr_yes_rule_no = 5;
	s.jr_no_rule_yes = 10;
	s.jr_no_rule_no = 15;
	s.n2 = 50;
	assert_true(fabs(judge_kappa(&s) - 0.4) < 1e-12);
	s.jr_yes_rule_no = s.jr_no_rule_yes = 0;
	s.n2 = 35;
	assert_true(fabs(judge_kappa(&s) - 1.0) < 1e-12);
	judge_stats_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prompts),
		cmocka_unit_test(test_parser),
		cmocka_unit_test(test_cache_key),
		cmocka_unit_test(test_apply_and_stats),
		cmocka_unit_test(test_kappa),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
