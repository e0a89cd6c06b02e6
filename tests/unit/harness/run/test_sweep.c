/* Unit tests: sweep files (parse, errors naming file and field, plan) and
 * the scripts they make, against golden files in tests/golden/sweep/
 * (STEVAL_UPDATE_GOLDEN=1 rewrites them). */
#include "lib/common.h"
#include "harness/run/sweep.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <setjmp.h>
#include <cmocka.h>

static int parse(struct sweep *sw, const char *text)
{
	return sweep_parse(sw, "/sw/lb.json", text, strlen(text), "/opt/steval/bin/steval");
}

/* The error a bad sweep file gives (the first line, without "steval: error: "). */
static char *parse_error(const char *text)
{
	struct buf log = BUF_INIT;
	struct sweep sw;
	char *s, *nl;
	const char *p;
	int rc;

	log_capture(&log);
	rc = parse(&sw, text);
	if (rc == 0) {
		/* a failed plan leaves the sweep to its owner */
		rc = sweep_plan(&sw) < 0 ? -2 : 0;
		sweep_release(&sw);
	}
	log_capture(NULL);
	if (rc == 0) {
		buf_release(&log);
		return xstrdup("(no error)");
	}
	p = strstr(buf_cstr(&log), "error: ");
	s = xstrdup(p ? p + 7 : buf_cstr(&log));
	nl = strchr(s, '\n');
	if (nl)
		*nl = 0;
	buf_release(&log);
	return s;
}

static void expect_error(const char *text, const char *want)
{
	char *got = parse_error(text);

	if (!strstr(got, want))
		fail_msg("sweep %s\n  error: %s\n  want:  %s", text, got, want);
	free(got);
}

static void test_defaults(void **state)
{
	struct sweep sw;

	(void)state;
	assert_int_equal(parse(&sw, "{\"models\": [\"openai:gpt-4o\", \"openai@http://127.0.0.1:8000/v1:"
				    "Qwen/Qwen2.5-VL-7B\", \"mine\"], \"suites\": [\"vlm4d\", "
				    "\"specs/my-suite.json\"]}"), 0);
	assert_string_equal(sw.name, "lb");
	assert_string_equal(sw.dir, "/sw");
	assert_string_equal(sw.out, "/sw/sweep-lb");
	assert_string_equal(sw.steval, "/opt/steval/bin/steval");
	assert_int_equal(sw.shards, 1);
	assert_int_equal(sw.nformats, 1);
	assert_string_equal(sw.formats[0], "md");
	assert_int_equal(sw.nmodels, 3);
	assert_string_equal(sw.models[0].label, "openai_gpt-4o");
	assert_string_equal(sw.models[1].label, "openai_Qwen_Qwen2.5-VL-7B");
	assert_string_equal(sw.models[2].label, "mine");
	assert_string_equal(sw.suites[1].suite, "/sw/specs/my-suite.json");
	assert_string_equal(sw.suites[1].label, "my-suite");
	assert_int_equal(sw.suites[0].nprotocols, 1);
	assert_null(sw.suites[0].protocols[0]);
	assert_int_equal(sweep_plan(&sw), 0);
	assert_int_equal(sw.njobs, 6);
	assert_string_equal(sw.jobs[0].key, "vlm4d.default.openai_gpt-4o");
	assert_string_equal(sw.jobs[5].key, "my-suite.default.mine");
	/* suite first, no --protocol when the default is meant */
	assert_int_equal(sw.jobs[0].nrun, 3);
	assert_string_equal(sw.jobs[0].run_args[0], "vlm4d");
	assert_string_equal(sw.jobs[0].run_args[1], "--model");
	assert_string_equal(sw.jobs[0].run_args[2], "openai:gpt-4o");
	assert_int_equal(sw.jobs[0].nresume, 0);
	sweep_release(&sw);
}

static void test_plan(void **state)
{
	struct sweep sw;
	const struct sweep_job *jb;
	size_t i;
	struct buf args = BUF_INIT;

	(void)state;
	assert_int_equal(parse(&sw,
		"{\"name\": \"x\", \"out\": \"/scratch/x\", \"models_file\": \"models.json\",\n"
		" \"protocols\": [\"cot\", \"direct\"],\n"
		" \"models\": [\"a:m\", {\"name\": \"big\", \"model\": \"b:m\", \"options\": "
		"{\"concurrency\": 2, \"gen\": {\"top_p\": 0.9}},\n"
		"   \"slurm\": {\"gres\": \"gpu:2\", \"shards\": 4}}],\n"
		" \"suites\": [\"s1\", {\"suite\": \"s2\", \"data\": \"../data/s2\", \"protocols\": [\"only\"],"
		" \"options\": {\"limit\": 50}}],\n"
		" \"options\": [{\"name\": \"f8\", \"gen\": {\"temperature\": 0, \"top_p\": 1.0}, "
		"\"seed\": 3, \"stream\": true, \"args\": [\"--x\", \"y\"]}, {\"name\": \"f16\", "
		"\"blind\": true, \"no-stream\": true}],\n"
		" \"slurm\": {\"partition\": \"gpu\", \"time\": \"01:00:00\", \"gres\": \"gpu:1\", "
		"\"shards\": 3, \"extra\": [\"--exclusive\"], \"merge\": {\"partition\": \"cpu\"}}}"), 0);
	assert_string_equal(sw.models_file, "/sw/models.json");
	assert_string_equal(sw.suites[1].data, "/sw/../data/s2");
	assert_int_equal(sweep_plan(&sw), 0);
	/* (2 protocols + 1) x 2 option sets x 2 models */
	assert_int_equal(sw.njobs, 12);
	assert_string_equal(sw.jobs[0].key, "s1.cot.a_m.f8");
	assert_string_equal(sw.jobs[1].key, "s1.cot.big.f8");
	assert_string_equal(sw.jobs[2].key, "s1.cot.a_m.f16");
	assert_string_equal(sw.jobs[11].key, "s2.only.big.f16");
	jb = &sw.jobs[1];
	assert_int_equal(jb->shards, 4);
	assert_string_equal(jb->res.gres, "gpu:2");
	assert_string_equal(jb->res.partition, "gpu");
	assert_string_equal(jb->res.time, "01:00:00");
	assert_int_equal(jb->res.nextra, 1);
	assert_int_equal(sw.jobs[0].shards, 3);
	assert_string_equal(sw.jobs[0].res.gres, "gpu:1");
	/* option layers: the set, then the suite, then the model; gen merges */
	jb = &sw.jobs[9];
	assert_string_equal(jb->key, "s2.only.big.f8");
	for (i = 0; i < jb->nrun; i++)
		buf_addf(&args, "%s%s", i ? " " : "", jb->run_args[i]);
	assert_string_equal(buf_cstr(&args),
			    "s2 --model b:m --models /sw/models.json --data /sw/../data/s2 --protocol only "
			    "--limit 50 --seed 3 --gen temperature=0 --gen top_p=0.9 --concurrency 2 "
			    "--stream --x y");
	buf_reset(&args);
	for (i = 0; i < jb->nresume; i++)
		buf_addf(&args, "%s%s", i ? " " : "", jb->resume_args[i]);
	assert_string_equal(buf_cstr(&args), "--models /sw/models.json --concurrency 2 --stream");
	buf_reset(&args);
	jb = &sw.jobs[2];
	for (i = 0; i < jb->nrun; i++)
		buf_addf(&args, "%s%s", i ? " " : "", jb->run_args[i]);
	assert_string_equal(buf_cstr(&args),
			    "s1 --model a:m --models /sw/models.json --protocol cot --blind --no-stream");
	buf_release(&args);
	sweep_release(&sw);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("[1]", "'/sw/lb.json': top level: a sweep file is a JSON object");
	expect_error("{\"models\": [\"a:b\"], \"suites\": [\"s\"], \"modles\": 1}",
		     "'/sw/lb.json': top level: unknown field 'modles' (known: name, out,");
	expect_error("{\"suites\": [\"s\"]}", "'/sw/lb.json': models: missing (a list of models)");
	expect_error("{\"models\": [], \"suites\": [\"s\"]}", "models: expected a non-empty list");
	expect_error("{\"models\": [\"a:b\"]}", "suites: missing (a list of suites)");
	expect_error("{\"models\": [\"a:b\", 3], \"suites\": [\"s\"]}",
		     "models[1]: expected a model spec");
	expect_error("{\"models\": [{\"name\": \"x\"}], \"suites\": [\"s\"]}",
		     "models[0]: no \"model\"");
	expect_error("{\"models\": [{\"model\": \"a:b\", \"name\": \"x y\"}], \"suites\": [\"s\"]}",
		     "models[0].name: 'x y': only letters, digits");
	expect_error("{\"models\": [\"a:b\", {\"model\": \"c:d\", \"server\": {\"command\": \"vllm serve m\"}}],"
		     " \"suites\": [\"s\"]}",
		     "'/sw/lb.json': models[1].server: no \"port\"");
	expect_error("{\"models\": [{\"model\": \"c:d\", \"server\": {\"command\": \"v\", \"port\": 70000}}],"
		     " \"suites\": [\"s\"]}", "models[0].server.port: expected an integer from 1 to 65535");
	expect_error("{\"models\": [{\"model\": \"c:d\", \"server\": {\"cmd\": \"v\"}}], \"suites\": [\"s\"]}",
		     "models[0].server: unknown field 'cmd' (known: command, port, host, wait)");
	expect_error("{\"models\": [\"a:b\"], \"suites\": [\"s\"], \"options\": {\"limt\": 3}}",
		     "options.limt: not an option of 'steval run' a sweep can set");
	expect_error("{\"models\": [\"a:b\"], \"suites\": [\"s\"], \"options\": {\"out\": \"x\"}}",
		     "options.out: set by the sweep itself");
	expect_error("{\"models\": [\"a:b\"], \"suites\": [\"s\"], \"options\": {\"blind\": 1}}",
		     "options.blind: a flag: expected true or false");
	expect_error("{\"models\": [\"a:b\"], \"suites\": [\"s\"], \"options\": {\"gen\": 1}}",
		     "options.gen: expected an object");
	expect_error("{\"models\": [\"a:b\"], \"suites\": [\"s\"], \"options\": [{\"seed\": 1}, {\"seed\": 2}]}",
		     "options[0]: no \"name\"");
	expect_error("{\"models\": [\"a:b\"], \"suites\": [\"s\"], \"options\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}",
		     "options[1].name: 'a' names options[0] too");
	expect_error("{\"models\": [\"a:b\"], \"suites\": [{\"suite\": \"s\", \"protocols\": [\"a b\"]}]}",
		     "suites[0].protocols[0]: expected text without spaces");
	expect_error("{\"models\": [\"a:b\"], \"suites\": [{\"data\": \"d\"}]}", "suites[0]: no suite");
	expect_error("{\"models\": [\"a:b\"], \"suites\": [\"s\"], \"slurm\": {\"time\": \"1 h\"}}",
		     "slurm.time: '1 h': no spaces or control characters");
	expect_error("{\"models\": [\"a:b\"], \"suites\": [\"s\"], \"slurm\": {\"shards\": 0}}",
		     "slurm.shards: expected an integer from 1 to 10000");
	expect_error("{\"models\": [\"a:b\"], \"suites\": [\"s\"], \"slurm\": {\"extra\": [\"-N1\"]}}",
		     "slurm.extra[0]: '-N1': expected a long sbatch option");
	expect_error("{\"models\": [\"a:b\"], \"suites\": [\"s\"], \"slurm\": {\"merge\": {\"shards\": 2}}}",
		     "slurm.merge: unknown field 'shards'");
	expect_error("{\"models\": [{\"model\": \"a:b\", \"slurm\": {\"merge\": {}}}], \"suites\": [\"s\"]}",
		     "models[0].slurm: unknown field 'merge'");
	expect_error("{\"models\": [\"a:b\"], \"suites\": [\"s\"], \"leaderboard\": {\"formats\": [\"xls\"]}}",
		     "leaderboard.formats[0]: 'xls': expected md, csv, latex, html or json");
	expect_error("{\"models\": [\"a:b\"], \"suites\": [\"s\"], \"out\": \"/my results\"}",
		     "out: '/my results': no spaces");
	expect_error("{\"models\": [\"a:b\"], \"suites\": [\"s\"], \"setup\": [\"a\\nb\"]}",
		     "setup[0]: one shell line per entry");
	expect_error("{\"models\": [\"a:b\", \"a:b\"], \"suites\": [\"s\"]}",
		     "two jobs are both named 's.default.a_b'");
	expect_error("{\"models\": [\"a:b\"], \"suites\": [\"s\"],", "'/sw/lb.json': line 1");
}

static const char golden_sweep[] =
	"{\"name\": \"demo\", \"out\": \"/scratch/demo\", \"setup\": [\"module load cuda\"],\n"
	" \"models\": [\"openai:gpt-4o\",\n"
	"   {\"name\": \"qwen\", \"model\": \"openai@http://127.0.0.1:{port}/v1:Qwen2.5-VL-7B-Instruct\",\n"
	"    \"server\": {\"command\": \"vllm serve Qwen/Qwen2.5-VL-7B-Instruct --port {port} --served-model-name 'Qwen2.5-VL-7B-Instruct'\",\n"
	"               \"port\": 8000, \"wait\": 600},\n"
	"    \"options\": {\"concurrency\": 16}, \"slurm\": {\"gres\": \"gpu:1\", \"cpus_per_task\": 8, \"shards\": 4}}],\n"
	" \"suites\": [{\"suite\": \"vlm4d\", \"data\": \"/data/vlm4d\", \"protocols\": [\"cot\"]}],\n"
	" \"options\": {\"limit\": 100, \"gen\": {\"temperature\": 0}},\n"
	" \"slurm\": {\"partition\": \"gpu\", \"account\": \"proj\", \"time\": \"02:00:00\", \"shards\": 2,\n"
	"           \"merge\": {\"partition\": \"cpu\", \"time\": \"00:20:00\"}},\n"
	" \"leaderboard\": {\"formats\": [\"md\", \"latex\"], \"ci\": true}}\n";

static void check_golden(const char *name, const struct buf *got)
{
	char *path = xasprintf("tests/golden/sweep/%s", name);
	struct buf want = BUF_INIT;

	if (getenv("STEVAL_UPDATE_GOLDEN")) {
		assert_int_equal(write_file_atomic(path, buf_cstr(got), got->len), 0);
	} else {
		if (read_file(path, &want) < 0)
			fail_msg("missing golden file %s (STEVAL_UPDATE_GOLDEN=1 writes it)", path);
		if (strcmp(buf_cstr(&want), buf_cstr(got)))
			fail_msg("%s differs from the script made:\n%s", path, buf_cstr(got));
	}
	buf_release(&want);
	free(path);
}

static void test_scripts_golden(void **state)
{
	struct sweep sw;
	struct buf b = BUF_INIT;
	size_t j;
	char *name;

	(void)state;
	assert_int_equal(parse(&sw, golden_sweep), 0);
	assert_int_equal(sweep_plan(&sw), 0);
	assert_int_equal(sw.njobs, 2);
	for (j = 0; j < sw.njobs; j++) {
		enum sweep_script_kind k;
		for (k = SWEEP_ARRAY; k <= SWEEP_MERGE; k++) {
			name = sweep_script_name(&sw, j, k);
			buf_reset(&b);
			sweep_script(&sw, j, k, &b);
			check_golden(name, &b);
			free(name);
		}
	}
	buf_reset(&b);
	sweep_script(&sw, 0, SWEEP_LEADERBOARD, &b);
	check_golden("leaderboard.sbatch", &b);
	buf_reset(&b);
	sweep_script(&sw, 0, SWEEP_SUBMIT, &b);
	check_golden("submit.sh", &b);
	buf_release(&b);
	sweep_release(&sw);
}

static void test_ports(void **state)
{
	struct sweep sw;

	(void)state;
	assert_int_equal(parse(&sw, "{\"models\": [\"a:b\", {\"name\": \"v\", \"model\": "
				    "\"openai@http://127.0.0.1:{port}/v1:m\", \"server\": {\"command\": "
				    "\"vllm serve m --port {port}\", \"port\": 9000}},\n"
				    " {\"name\": \"w\", \"model\": \"openai@http://127.0.0.1:7000/v1:m\", "
				    "\"server\": {\"command\": \"serve --port 7000\", \"port\": 7000}}],"
				    " \"suites\": [\"s1\", \"s2\"], \"slurm\": {\"shards\": 3}}"), 0);
	assert_true(sw.models[1].per_task);
	assert_false(sw.models[2].per_task);
	assert_int_equal(sweep_plan(&sw), 0);
	/* every task of the sweep a port of its own: s1.v gets 9003..9005, s2.v 9012..9014 */
	assert_string_equal(sw.jobs[1].key, "s1.default.v");
	assert_int_equal(sw.jobs[1].port, 9003);
	assert_string_equal(sw.jobs[4].key, "s2.default.v");
	assert_int_equal(sw.jobs[4].port, 9012);
	sweep_release(&sw);
	expect_error("{\"models\": [{\"name\": \"v\", \"model\": \"openai@http://h:{port}/v1:m\"}], "
		     "\"suites\": [\"s\"]}", "models[0].model: \"{port}\" without a \"server\"");
	expect_error("{\"models\": [{\"model\": \"openai@http://h:{port}/v1:m\", \"server\": "
		     "{\"command\": \"x\", \"port\": 1}}], \"suites\": [\"s\"]}",
		     "models[0].name: missing: a model with \"{port}\" needs a name");
	expect_error("{\"models\": [{\"name\": \"v\", \"model\": \"openai@http://h:{port}/v1:m\", "
		     "\"server\": {\"command\": \"x\", \"port\": 65534}}], \"suites\": [\"s\"], "
		     "\"slurm\": {\"shards\": 3}}", "models[0].server.port: 65534 plus one port per task");
}

static void test_shell_quote(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	sweep_shell_quote(&b, "plain/path-1.json");
	buf_addch(&b, ' ');
	sweep_shell_quote(&b, "it's $HOME `x`");
	buf_addch(&b, ' ');
	sweep_shell_quote(&b, "");
	assert_string_equal(buf_cstr(&b), "plain/path-1.json 'it'\\''s $HOME `x`' ''");
	buf_release(&b);
}

static void test_shard_state(void **state)
{
	(void)state;
	assert_int_equal(sweep_shard_state(NULL, -1, 0, -1), SWEEP_MISSING);
	assert_int_equal(sweep_shard_state("finished", 0, 1, 0), SWEEP_DONE);
	assert_int_equal(sweep_shard_state("finished-with-errors", -1, 0, -1), SWEEP_DONE);
	assert_int_equal(sweep_shard_state("running", -1, 1, 1), SWEEP_RUNNING);
	assert_int_equal(sweep_shard_state("running", -1, 1, -1), SWEEP_RUNNING);   /* another host */
	assert_int_equal(sweep_shard_state("running", -1, 1, 0), SWEEP_FAILED);     /* killed */
	assert_int_equal(sweep_shard_state(NULL, -1, 1, 1), SWEEP_RUNNING);         /* server starting */
	assert_int_equal(sweep_shard_state(NULL, 2, 1, 0), SWEEP_FAILED);           /* server failed */
	assert_int_equal(sweep_shard_state("incomplete", 3, 1, 0), SWEEP_FAILED);
	assert_int_equal(sweep_shard_state("interrupted", -1, 0, -1), SWEEP_FAILED);
	assert_string_equal(sweep_state_name(SWEEP_MISSING), "missing");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_scripts_golden),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_shell_quote),
		cmocka_unit_test(test_shard_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
