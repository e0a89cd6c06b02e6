/*
 * cmd_judge.c: `steval judge RUN_DIR --judge SPEC [--out DIR]`, judging a
 * finished run (or a `steval score --out` directory) with the protocol's
 * LLM judge, then rewriting results.json and the reports. Resumable: what
 * has a verdict of this judge is not judged again, judge errors are
 * retried, and the verdict cache answers what was judged before.
 */
#include "lib/common.h"
#include "harness/cli/commands.h"
#include "harness/cli/judge_opts.h"
#include "harness/cli/opt.h"
#include "harness/run/judge.h"
#include "harness/run/summary.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"
#include "suites/suite.h"

#include <curl/curl.h>

/* Copy RUN_DIR's samples.jsonl and manifest.json into out (unless out
 * already holds samples: then it is being continued). */
static int copy_run(const char *dir, const char *out)
{
	static const char *const files[] = { "samples.jsonl", "manifest.json", "judge.json", NULL };
	char *dst = path_join(out, "samples.jsonl");
	size_t i;
	int rc = 0;

	if (file_exists(dst)) {
		free(dst);
		return 0;
	}
	free(dst);
	if (mkdir_p(out) < 0)
		return error("judge: cannot create '%s'", out);
	for (i = 0; files[i] && !rc; i++) {
		char *a = path_join(dir, files[i]), *b = path_join(out, files[i]);
		struct buf t = BUF_INIT;
		if (file_exists(a) && (read_file(a, &t) < 0 || write_file_atomic(b, buf_cstr(&t), t.len) < 0))
			rc = error("judge: cannot copy '%s' to '%s'", a, b);
		buf_release(&t);
		free(a);
		free(b);
	}
	return rc;
}

int cmd_judge(int argc, char **argv)
{
	const char *out = NULL, *suite = NULL, *data = NULL, *protocol = NULL, *model = NULL;
	struct judge_cli jc;
	long retries = -1, seed = 0;
	double timeout = -1, maxwait = -1;
	const struct opt opts[] = {
		JUDGE_CLI_OPTS(jc),
		{ "out", 'o', OPT_STR, &out, "DIR",
		  "judge a copy in DIR, leaving RUN_DIR as it is (continued when DIR holds one)" },
		{ "suite", 's', OPT_STR, &suite, "SUITE", "the suite (default: the run's)" },
		{ "data", 'd', OPT_STR, &data, "DIR", "the suite's data directory (default: the run's, $STEVAL_DATA)" },
		{ "protocol", 'p', OPT_STR, &protocol, "NAME", "the protocol (default: the run's)" },
		{ "model", 'm', OPT_STR, &model, "NAME", "model name for the results (default: the run's)" },
		{ "models", 0, OPT_STR, &jc.o.models_file, "FILE",
		  "named endpoints (default: $STEVAL_MODELS); an entry's \"price\" {input, output} in "
		  "USD per million tokens gives the judge's cost" },
		{ "cache-dir", 0, OPT_STR, &jc.o.cache_dir, "DIR",
		  "the cache; verdicts live in DIR/judge (default $STEVAL_CACHE_DIR, ~/.cache/steval)" },
		{ "no-cache", 0, OPT_FLAG, &jc.o.no_cache, NULL, "neither read nor write cached verdicts" },
		{ "retries", 0, OPT_UINT, &retries, "N", "retries after the first attempt (default 4)" },
		{ "timeout", 0, OPT_PDOUBLE, &timeout, "SECS", "per attempt (default 600)" },
		{ "max-retry-wait", 0, OPT_UDOUBLE, &maxwait, "SECS",
		  "a judge asking to wait longer fails the item (default 120)" },
		{ "seed", 0, OPT_UINT, &seed, "N", "seed of the backoff jitter (default 0)" },
		OPT_END_MARK,
	};
	const struct opt_cmd cmd = {
		"judge", "steval judge RUN_DIR --judge SPEC [--out DIR] [options]",
		"Judge a finished run's answers with the protocol's LLM judge (VLM4D: o4-mini;\n"
		"MLLM4D-Bench: Qwen3-VL-8B-Instruct; docs/scoring.md section 7), then rewrite\n"
		"results.json and the reports: the judged score is the official number, the\n"
		"rule-based reading the variant 'rules'. Each verdict is appended to\n"
		"samples.jsonl as it arrives; run it again to continue after an interruption\n"
		"or to retry judge errors. Verdicts are cached by the exact request.\n"
		"\n"
		"exit: 0 every answer judged; 2 bad usage; 3 incomplete (interrupted, a fatal\n"
		"judge error, or judge errors left out of the score): run it again.",
		opts, 1, 1,
	};
	const char **pos = NULL;
	size_t npos;
	struct suite s;
	const struct protocol *p;
	cJSON *mf = NULL, *res = NULL;
	char *mp = NULL, *rp = NULL, *model_name = NULL;
	const char *dir;
	int rc;

	judge_cli_init(&jc);
	memset(&s, 0, sizeof(s));
	rc = opt_parse(&cmd, argc, argv, &pos, &npos);
	if (rc)
		return rc < 0 ? EXIT_USAGE : EXIT_OK;
	rc = EXIT_USAGE;
	if (!jc.o.spec) {
		error("judge: --judge SPEC is needed (e.g. openai:o4-mini, "
		      "openai@http://127.0.0.1:8000/v1:Qwen/Qwen3-VL-8B-Instruct, a models-file name)");
		goto out;
	}
	if (judge_cli_finish(&jc) < 0)
		goto out;
	if (retries > 100 || timeout > 1e6 || maxwait > 1e6) {
		error("judge: --retries must be at most 100, --timeout and --max-retry-wait at most 1e6 s");
		goto out;
	}
	if (retries >= 0)
		jc.o.retries = retries;
	if (timeout > 0)
		jc.o.timeout = timeout;
	if (maxwait >= 0)
		jc.o.max_retry_wait = maxwait;
	jc.o.seed = (uint64_t)seed;
	mp = path_join(pos[0], "manifest.json");
	rp = path_join(pos[0], "results.json");
	if (file_exists(mp))
		mf = json_parse_file(mp, (size_t)64 << 20);
	if (file_exists(rp))
		res = json_parse_file(rp, (size_t)256 << 20);
	if (!suite)
		suite = json_get_str(json_get(mf, "suite"), "spec") ? json_get_str(json_get(mf, "suite"), "spec") :
			json_get_str(res, "suite");
	if (!data)
		data = json_get_str(json_get(mf, "suite"), "data_dir");
	if (!protocol)
		protocol = json_get_str(mf, "protocol") ? json_get_str(mf, "protocol") :
			   json_get_str(res, "protocol");
	if (!model)
		model = json_get_str(mf, "model") ? json_get_str(mf, "model") : json_get_str(res, "model");
	if (!suite) {
		error("judge: '%s' has neither manifest.json nor results.json naming its suite: give "
		      "--suite", pos[0]);
		goto out;
	}
	if (suite_open(&s, suite) < 0 || suite_load(&s, data) < 0)
		goto out;
	p = suite_protocol(&s, protocol);
	if (!p) {
		error("suite '%s' has no protocol '%s'", s.name, protocol ? protocol : "(default)");
		goto out;
	}
	dir = pos[0];
	if (out) {
		if (copy_run(pos[0], out) < 0)
			goto out;
		dir = out;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		error("judge: cannot initialise libcurl");
		goto out;
	}
	rc = judge_stage(dir, &s, p, &jc.o, NULL);
	curl_global_cleanup();
	if (rc == EXIT_USAGE)
		goto out;
	model_name = model ? xstrdup(model) : path_stem(dir);
	if (summary_write(dir, &s, p, model_name, "official", NULL) < 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	{
		char *r = path_join(dir, "results.json");
		printf("%s\n", r);
		free(r);
	}
out:
	cJSON_Delete(mf);
	cJSON_Delete(res);
	free(mp);
	free(rp);
	free(model_name);
	suite_release(&s);
	free(pos);
	return rc;
}
