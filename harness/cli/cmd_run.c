/*
 * cmd_run.c: `steval run`.
 */
#include "lib/common.h"
#include "adapters/adapter.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "harness/cli/commands.h"
#include "lib/log.h"
#include "harness/cli/judge_opts.h"
#include "harness/cli/opt.h"
#include "harness/run/run.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <curl/curl.h>
#include <math.h>

/* KEY=VALUE (repeatable): numbers, true/false, null, JSON objects and
 * arrays, or strings. */
static int parse_kv(struct opt_list *l, const char *opt, cJSON **out)
{
	size_t i;

	*out = cJSON_CreateObject();
	for (i = 0; i < l->nr; i++) {
		const char *kv = l->v[i], *eq = strchr(kv, '=');
		char *key;
		double d;
		cJSON *v;
		if (!eq || eq == kv)
			return error("%s expects KEY=VALUE, not '%s'", opt, kv);
		key = xstrndup(kv, (size_t)(eq - kv));
		if (!strcmp(eq + 1, "true"))
			v = cJSON_CreateTrue();
		else if (!strcmp(eq + 1, "false"))
			v = cJSON_CreateFalse();
		else if (!strcmp(eq + 1, "null"))
			v = cJSON_CreateNull();
		else if (parse_double(eq + 1, &d) == 0) {
			if (!isfinite(d)) {
				free(key);
				return error("%s %s: a number must be finite", opt, kv);
			}
			v = json_num_new(d, eq + 1);
		}
		else if (eq[1] == '{' || eq[1] == '[') {
			v = json_parse(eq + 1, strlen(eq + 1), opt, 0);
			if (!v) {
				free(key);
				return -1;
			}
		} else
			v = cJSON_CreateString(eq + 1);
		cJSON_DeleteItemFromObjectCaseSensitive(*out, key);
		cJSON_AddItemToObject(*out, key, v);
		free(key);
	}
	return 0;
}

/* Upper bounds of numeric options (-1: not given). */
static int at_most(const char *name, double v, double max)
{
	if (v > max)
		return error("run: --%s must be at most %g, not %g", name, max, v);
	return 0;
}

static const char run_help[] =
	"Run a suite against a model. Each finished item is appended to samples.jsonl\n"
	"at once; at the end results.json and the reports (report.md, .csv, .json,\n"
	".tex, .html; frame thumbnails in frames/) are written. The run directory\n"
	"(runs/SUITE/MODEL/TIMESTAMP) is printed on stdout.\n"
	"\n"
	"models (docs/adapters.md):\n"
	"  baseline:random|frequency|first      built in, offline\n"
	"  openai:MODEL                         api.openai.com, key $OPENAI_API_KEY\n"
	"  openai@URL:MODEL                     any OpenAI-compatible server (vLLM, llama.cpp,\n"
	"                                       SGLang, LMDeploy, Ollama /v1); URL up to /v1\n"
	"  anthropic:MODEL                      key $ANTHROPIC_API_KEY\n"
	"  gemini:MODEL                         key $GEMINI_API_KEY (or $GOOGLE_API_KEY)\n"
	"  ollama:MODEL                         native /api/chat at $OLLAMA_HOST or :11434\n"
	"  command:PROGRAM [ARGS]               a local worker: JSON lines on stdin/stdout\n"
	"  NAME                                 an entry of the models file (--models)\n"
	"  ADAPTER@URL:MODEL works for every HTTP adapter. Keys are only read from the\n"
	"  environment and never written anywhere.\n"
	"\n"
	"failures (docs/dispatch.md): transport errors, 408, 409, 429, 5xx and 529 are\n"
	"retried (the server's retry-after first, else exponential backoff with jitter);\n"
	"400, 413, 422 fail the item; 401, 403, 404, quota and billing errors stop the\n"
	"run. A failed item is never scored; --resume retries it.\n"
	"\n"
	"judge (docs/scoring.md section 7): --judge SPEC sends every answer, as it\n"
	"comes, to the protocol's LLM judge (VLM4D: o4-mini, MLLM4D-Bench:\n"
	"Qwen3-VL-8B-Instruct); the judged score is then the official number, the\n"
	"rule-based reading the variant 'rules'. Verdicts are cached by request.\n"
	"\n"
	"exit: 0 done; 2 bad usage or input; 3 incomplete (interrupted, stopped, or\n"
	"items left in error beyond --max-errors, 0 by default): the run is resumable.";

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	struct opt_list gen = { 0 }, body = { 0 };
	long max_tokens = -1, seed = -1, limit = -1, retries = -1;
	double temperature = -1, rpm = -1, tpm = -1, timeout = -1, ctimeout = -1, itimeout = -1;
	double maxwait = -1, maxresp = -1;
	int stream = 0, no_stream = 0, progress = 0, no_progress = 0;
	struct judge_cli jc;
	const struct opt opts[] = {
		{ "model", 'm', OPT_STR, &o.model, "SPEC", "the model (see above)" },
		{ "models", 0, OPT_STR, &o.models_file, "FILE",
		  "named endpoints, JSON: NAME -> {adapter, base_url, model, key_env, ...} "
		  "(default: $STEVAL_MODELS)" },
		{ "data", 'd', OPT_STR, &o.data, "DIR", "the suite's data directory (default: $STEVAL_DATA)" },
		{ "protocol", 'p', OPT_STR, &o.protocol, "NAME", "protocol (default: the suite's default)" },
		{ "limit", 'n', OPT_UINT, &limit, "N", "only the first N items (0: all)" },
		{ "shard", 0, OPT_STR, &o.shard, "I/N|auto",
		  "do only shard I of N (0-based) of the items (after --limit); items sharing a "
		  "video stay together; auto: from $SLURM_ARRAY_TASK_ID and "
		  "$SLURM_ARRAY_TASK_COUNT (or _MIN/_MAX); put shards together with 'steval merge'" },
		{ "out", 'o', OPT_STR, &o.out_root, "DIR", "root of run directories (default: runs)" },
		{ "resume", 0, OPT_STR, &o.resume_dir, "RUN_DIR",
		  "continue a run: do only what is missing or errored (SUITE and --model may "
		  "be left out; they must match the run's)" },
		{ "seed", 0, OPT_UINT, &seed, "N", "seed of every random choice (default 0)" },
		{ "repeats", 0, OPT_PINT, &o.repeats, "N",
		  "ask every item N times, each a separate request with seed + repeat (default: "
		  "the protocol's, 1 for most; OmniSpatial 5); results give the mean and each "
		  "repeat's score" },
		{ "allow-outside-data", 0, OPT_FLAG, &o.allow_outside_data, NULL,
		  "let media paths be absolute, climb out with '..' or follow symlinks out of the "
		  "data directory" },
		{ "blind", 0, OPT_FLAG, &o.blind, NULL,
		  "send no frames or images (the 'vision disabled' rows; runs without the videos)" },
		{ "concurrency", 'j', OPT_PINT, &o.concurrency, "N",
		  "requests in flight (default: 8 for HTTP APIs, 4 for ollama, the worker count "
		  "for command)" },
		{ "rpm", 0, OPT_PDOUBLE, &rpm, "N", "at most N requests per minute (default: no limit)" },
		{ "tpm", 0, OPT_PDOUBLE, &tpm, "N",
		  "at most N tokens per minute (estimated, corrected by the usage reported)" },
		{ "timeout", 0, OPT_PDOUBLE, &timeout, "SECS", "per attempt, whole transfer (default 600)" },
		{ "connect-timeout", 0, OPT_PDOUBLE, &ctimeout, "SECS", "to connect (default 30)" },
		{ "idle-timeout", 0, OPT_UDOUBLE, &itimeout, "SECS",
		  "streamed responses: give up when nothing arrives for this long (default 120)" },
		{ "retries", 0, OPT_UINT, &retries, "N", "retries after the first attempt (default 4)" },
		{ "max-retry-wait", 0, OPT_UDOUBLE, &maxwait, "SECS",
		  "a server asking to wait longer fails the item (default 120)" },
		{ "max-response", 0, OPT_PDOUBLE, &maxresp, "BYTES",
		  "a larger response body fails the item (default 64 MiB)" },
		{ "max-errors", 0, OPT_STR, &o.max_errors, "N|P%",
		  "stop with exit 3 as soon as more items than this fail; without it the run "
		  "goes on and exits 3 if any item failed" },
		{ "stream", 0, OPT_FLAG, &stream, NULL, "ask for streamed (SSE / NDJSON) responses" },
		{ "no-stream", 0, OPT_FLAG, &no_stream, NULL, "do not stream (the default)" },
		{ "key-env", 0, OPT_STR, &o.key_env, "VAR",
		  "read the API key from $VAR (e.g. for openai@URL servers that need one)" },
		{ "max-tokens", 0, OPT_PINT, &max_tokens, "N", "override the protocol's max_tokens" },
		{ "temperature", 0, OPT_UDOUBLE, &temperature, "T", "override the protocol's temperature" },
		{ "gen", 0, OPT_LIST, &gen, "KEY=VALUE",
		  "override any generation setting (repeatable; null: do not send it)" },
		{ "body", 0, OPT_LIST, &body, "KEY=VALUE",
		  "add a field to every request body (repeatable; JSON values allowed)" },
		{ "cache-dir", 0, OPT_STR, &o.cache_dir, "DIR",
		  "frame cache (default $STEVAL_CACHE_DIR, ~/.cache/steval)" },
		{ "no-cache", 0, OPT_FLAG, &o.no_cache, NULL, "neither read nor write the frame cache" },
		{ "frame-workers", 0, OPT_UINT, &o.frame_workers, "N",
		  "videos decoded at once ahead of the requests (default: by cores)" },
		{ "no-thumbnails", 0, OPT_FLAG, &o.no_thumbnails, NULL,
		  "write no frame thumbnails (RUN_DIR/frames/) for report.html" },
		{ "progress", 0, OPT_FLAG, &progress, NULL, "show progress on stderr even if not a TTY" },
		{ "no-progress", 0, OPT_FLAG, &no_progress, NULL, "never show progress" },
		JUDGE_CLI_OPTS(jc),
		OPT_END_MARK,
	};
	const struct opt_cmd cmd = {
		"run", "steval run SUITE --model SPEC [options]   |   steval run --resume RUN_DIR",
		run_help, opts, 0, 1,
	};
	const char **pos = NULL;
	size_t npos;
	int rc;

	run_opts_init(&o);
	o.concurrency = 0;
	judge_cli_init(&jc);
	rc = opt_parse(&cmd, argc, argv, &pos, &npos);
	if (rc)
		return rc < 0 ? EXIT_USAGE : EXIT_OK;
	o.suite = npos ? pos[0] : NULL;
	o.argc = argc;
	o.argv = argv;
	rc = EXIT_USAGE;
	if (!o.resume_dir && (!o.suite || !o.model)) {
		error("run: a SUITE and --model are needed, e.g. 'steval run demo --model "
		      "baseline:random' (or --resume RUN_DIR)");
		goto out;
	}
	/* lower bounds are the option types' (opt.h); -1 still means "not given" */
	if (at_most("concurrency", (double)o.concurrency, 4096) < 0 ||
	    at_most("frame-workers", (double)o.frame_workers, 64) < 0 ||
	    at_most("retries", (double)retries, 100) < 0 ||
	    at_most("timeout", timeout, 1e6) < 0 || at_most("connect-timeout", ctimeout, 1e6) < 0 ||
	    at_most("idle-timeout", itimeout, 1e6) < 0 || at_most("max-retry-wait", maxwait, 1e6) < 0 ||
	    at_most("rpm", rpm, 1e9) < 0 || at_most("tpm", tpm, 1e12) < 0 ||
	    at_most("max-response", maxresp, 1e12) < 0 ||
	    at_most("max-tokens", (double)max_tokens, 1e8) < 0 ||
	    at_most("temperature", temperature, 2) < 0 ||
	    at_most("repeats", (double)o.repeats, 1000) < 0)
		goto out;
	if (maxresp != -1 && maxresp < 1024) {
		error("run: --max-response must be between 1024 and 1e+12 bytes, not %g", maxresp);
		goto out;
	}
	if (stream && no_stream) {
		error("run: --stream and --no-stream together");
		goto out;
	}
	o.limit = limit;
	if (seed >= 0) {
		o.seed = seed;
		o.seed_set = 1;
	}
	o.stream = stream ? 1 : no_stream ? 0 : -1;
	o.progress = progress ? 1 : no_progress ? 0 : -1;
	if (rpm >= 0)
		o.rpm = rpm;
	if (tpm >= 0)
		o.tpm = tpm;
	if (timeout > 0)
		o.timeout = timeout;
	if (ctimeout > 0)
		o.connect_timeout = ctimeout;
	if (itimeout >= 0)
		o.idle_timeout = itimeout;
	if (retries >= 0)
		o.retries = retries;
	if (maxwait >= 0)
		o.max_retry_wait = maxwait;
	if (maxresp != -1)
		o.max_response = maxresp;
	if (parse_kv(&gen, "--gen", &o.generation) < 0 || parse_kv(&body, "--body", &o.body) < 0)
		goto out;
	if (max_tokens >= 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(o.generation, "max_tokens");
		cJSON_AddItemToObject(o.generation, "max_tokens", json_int_new(max_tokens));
	}
	if (temperature >= 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(o.generation, "temperature");
		cJSON_AddItemToObject(o.generation, "temperature", json_float_new(temperature));
	}
	if (judge_cli_finish(&jc) < 0)
		goto out;
	if (jc.o.spec) {
		/* the judge shares the run's models file, cache and dispatch settings */
		jc.o.models_file = o.models_file;
		jc.o.cache_dir = o.cache_dir;
		jc.o.retries = o.retries;
		jc.o.timeout = o.timeout;
		jc.o.connect_timeout = o.connect_timeout;
		jc.o.max_retry_wait = o.max_retry_wait;
		jc.o.seed = (uint64_t)o.seed;
		jc.o.progress = o.progress;
		o.judge = &jc.o;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		error("run: cannot initialise libcurl");
		goto out;
	}
	if (!CLI_FREE_AT_EXIT)
		json_arena_enable();   /* for the suite's trees (run_execute) */
	rc = run_execute(&o);
	curl_global_cleanup();
out:
	cJSON_Delete(o.generation);
	cJSON_Delete(o.body);
	opt_list_release(&gen);
	opt_list_release(&body);
	free(pos);
	return rc;
}
