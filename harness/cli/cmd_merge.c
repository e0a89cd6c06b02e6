/*
 * cmd_merge.c: `steval merge`: shards of one run back into one run directory.
 */
#include "lib/common.h"
#include "harness/cli/commands.h"
#include "harness/cli/opt.h"
#include "harness/run/merge.h"
#include "lib/log.h"

static const char merge_help[] =
	"Merge the shards of one run (steval run --shard I/N) into one ordinary run\n"
	"directory: samples.jsonl in item order, manifest.json, results.json and every\n"
	"report, equal to what the same run done unsharded writes. The shards must\n"
	"share suite, item list (data and --limit), protocol, model, generation\n"
	"settings, seed and shard count, each shard given once. The merged directory\n"
	"is printed on stdout; --out may be an earlier merge's directory (rewritten).\n"
	"\n"
	"exit: 0 merged; 2 not shards of one run, a shard given twice, bad input;\n"
	"3 shards missing or incomplete (the message names them; --partial merges\n"
	"what is there and marks the results partial).";

int cmd_merge(int argc, char **argv)
{
	struct merge_opts o;
	const struct opt opts[] = {
		{ "out", 'o', OPT_STR, &o.out, "DIR", "the merged run directory (required)" },
		{ "partial", 0, OPT_FLAG, &o.partial, NULL,
		  "merge the shards that are there; results.json and every report say the "
		  "results are partial" },
		{ "data", 'd', OPT_STR, &o.data, "DIR", "the suite's data directory (default: the shards')" },
		OPT_END_MARK,
	};
	const struct opt_cmd cmd = {
		"merge", "steval merge --out DIR RUN_DIR... [--partial]", merge_help, opts, 1, SIZE_MAX,
	};
	const char **pos = NULL;
	size_t npos;
	int rc;

	merge_opts_init(&o);
	rc = opt_parse(&cmd, argc, argv, &pos, &npos);
	if (rc)
		return rc < 0 ? EXIT_USAGE : EXIT_OK;
	if (!o.out) {
		error("merge: --out DIR is needed (the merged run directory)");
		free(pos);
		return EXIT_USAGE;
	}
	o.dirs = pos;
	o.ndirs = npos;
	o.argc = argc;
	o.argv = argv;
	rc = merge_execute(&o);
	free(pos);
	return rc;
}
