/*
 * cmd_run.c: `steval run`.
 */
#include "harness/common.h"
#include "harness/commands.h"
#include "harness/log.h"
#include "harness/opt.h"
#include "harness/run.h"
#include "harness/util.h"
#include "harness/xalloc.h"

/* --gen key=value (repeatable): numbers, true/false, null, or strings. */
static int parse_gen(struct opt_list *l, cJSON **out)
{
	size_t i;

	*out = cJSON_CreateObject();
	for (i = 0; i < l->nr; i++) {
		const char *kv = l->v[i], *eq = strchr(kv, '=');
		char *key;
		double d;
		cJSON *v;
		if (!eq || eq == kv)
			return error("--gen expects KEY=VALUE, not '%s'", kv);
		key = xstrndup(kv, (size_t)(eq - kv));
		if (!strcmp(eq + 1, "true"))
			v = cJSON_CreateTrue();
		else if (!strcmp(eq + 1, "false"))
			v = cJSON_CreateFalse();
		else if (!strcmp(eq + 1, "null"))
			v = cJSON_CreateNull();
		else if (parse_double(eq + 1, &d) == 0)
			v = json_num_new(d, eq + 1);
		else
			v = cJSON_CreateString(eq + 1);
		cJSON_DeleteItemFromObjectCaseSensitive(*out, key);
		cJSON_AddItemToObject(*out, key, v);
		free(key);
	}
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	struct opt_list gen = { 0 };
	long max_tokens = -1;
	double temperature = -1;
	const struct opt opts[] = {
		{ "model", 'm', OPT_STR, &o.model, "SPEC",
		  "the model: baseline:random|frequency|first (built in, offline), ..." },
		{ "data", 'd', OPT_STR, &o.data, "DIR", "the suite's data directory (default: $STEVAL_DATA)" },
		{ "protocol", 'p', OPT_STR, &o.protocol, "NAME", "protocol (default: the suite's default)" },
		{ "limit", 'n', OPT_INT, &o.limit, "N", "only the first N items" },
		{ "out", 'o', OPT_STR, &o.out_root, "DIR", "root of run directories (default: runs)" },
		{ "resume", 0, OPT_STR, &o.resume_dir, "RUN_DIR", "continue a run: do only what is missing or errored" },
		{ "seed", 0, OPT_INT, &o.seed, "N", "seed of every random choice (default 0)" },
		{ "blind", 0, OPT_FLAG, &o.blind, NULL, "send no frames or images (the 'vision disabled' rows)" },
		{ "concurrency", 'j', OPT_INT, &o.concurrency, "N", "requests in flight (default 8)" },
		{ "max-errors", 0, OPT_STR, &o.max_errors, "N|P%",
		  "stop with exit 3 when more items than this fail" },
		{ "max-tokens", 0, OPT_INT, &max_tokens, "N", "override the protocol's max_tokens" },
		{ "temperature", 0, OPT_DOUBLE, &temperature, "T", "override the protocol's temperature" },
		{ "gen", 0, OPT_LIST, &gen, "KEY=VALUE", "override any generation setting (repeatable)" },
		OPT_END_MARK,
	};
	const struct opt_cmd cmd = {
		"run", "steval run SUITE --model SPEC [--data DIR] [--protocol P] [--limit N] [--out DIR]",
		"Run a suite against a model. Each finished item is appended to samples.jsonl\n"
		"at once; results.json and report.md are written at the end. The run\n"
		"directory (runs/SUITE/MODEL/TIMESTAMP) is printed on stdout.",
		opts, 1, 1,
	};
	const char **pos;
	size_t npos;
	int rc;

	memset(&o, 0, sizeof(o));
	o.concurrency = 8;
	rc = opt_parse(&cmd, argc, argv, &pos, &npos);
	if (rc)
		return rc < 0 ? EXIT_USAGE : EXIT_OK;
	o.suite = pos[0];
	o.argc = argc;
	o.argv = argv;
	rc = EXIT_USAGE;
	if (!o.model) {
		error("run: --model is required (e.g. --model baseline:random)");
		goto out;
	}
	if (o.limit < 0 || o.concurrency < 1) {
		error("run: --limit must be >= 0 and --concurrency >= 1");
		goto out;
	}
	if (parse_gen(&gen, &o.generation) < 0)
		goto out;
	if (max_tokens >= 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(o.generation, "max_tokens");
		cJSON_AddItemToObject(o.generation, "max_tokens", json_int_new(max_tokens));
	}
	if (temperature >= 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(o.generation, "temperature");
		cJSON_AddItemToObject(o.generation, "temperature", json_float_new(temperature));
	}
	rc = run_execute(&o);
out:
	cJSON_Delete(o.generation);
	opt_list_release(&gen);
	free(pos);
	return rc;
}
