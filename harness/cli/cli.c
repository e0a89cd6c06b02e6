#include "lib/common.h"
#include "harness/cli/cli.h"
#include "harness/cli/commands.h"
#include "lib/log.h"
#include "lib/rundir_lock.h"
#include "scorers/grade.h"

#include <curl/curl.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>

static int cmd_version(int argc, char **argv);

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "list", cmd_list, "list suites, protocols or scorers" },
	{ "show", cmd_show, "describe a suite, or print the exact prompt of one item" },
	{ "run", cmd_run, "run a suite against a model" },
	{ "score", cmd_score, "score stored predictions offline, without any model call" },
	{ "judge", cmd_judge, "judge a run's answers with the protocol's LLM judge" },
	{ "cat", cmd_cat, "print a Parquet file's rows as JSON Lines, or its schema" },
	{ "frames", cmd_frames, "extract the frames a frame plan selects from a video" },
	{ "cache", cmd_cache, "show or clear the cache (frame sets, judge verdicts)" },
	{ "merge", cmd_merge, "merge the shards of a run (run --shard) into one run directory" },
	{ "report", cmd_report, "write a run's reports: md, csv, json, tex, html, plots" },
	{ "compare", cmd_compare, "compare two runs item by item; exit 1 on a regression" },
	{ "leaderboard", cmd_leaderboard, "one table for many runs of a suite" },
	{ "sweep", cmd_sweep, "plan a sweep of models x suites; Slurm scripts, run here, status" },
	{ "version", cmd_version, "print version and library versions" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: steval [-v|-q] COMMAND [options]\n\n"
		   "steval evaluates multimodal models on 4D (spatio-temporal) benchmark\n"
		   "suites with their official prompts and scorers.\n\ncommands:\n");
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nglobal options:\n"
		   "  -v, --verbose   more diagnostics (twice for debugging)\n"
		   "  -q, --quiet     errors only\n"
		   "  --version       print version and library versions\n"
		   "\n'steval COMMAND --help' describes one command; man steval for all.\n"
		   "exit codes: 0 ok, 1 regression or threshold failed, 2 usage or input error,\n"
		   "3 run incomplete (too many errors, or interrupted)\n");
}

static void version(void);

static int cmd_version(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: steval version\n\nPrint steval's version, the git commit it was "
		       "built from and the versions of the libraries it uses.\n");
		return EXIT_OK;
	}
	if (argc > 1) {
		error("version: takes no arguments, not '%s' (see 'steval version --help')", argv[1]);
		return EXIT_USAGE;
	}
	version();
	return EXIT_OK;
}

static void version(void)
{
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);

	printf("steval %s (%s)\n", steval_version(), steval_git());
	printf("libcurl %s, libavformat %s, libavcodec %s\n", cv->version,
	       AV_STRINGIFY(LIBAVFORMAT_VERSION), AV_STRINGIFY(LIBAVCODEC_VERSION));
}

int cli_main(int argc, char **argv)
{
	int i = 1, level = LOG_WARN;
	size_t c;

	grade_register_names();
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			level++;
		} else if (!strcmp(a, "-vv")) {
			level += 2;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			level = LOG_QUIET;
		} else if (!strcmp(a, "--version")) {
			version();
			return EXIT_OK;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return EXIT_OK;
		} else {
			error("unknown option '%s'", a);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	log_set_level(level);
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[i], "help")) {
		if (i + 1 < argc) {
			char *hargv[] = { argv[i + 1], (char *)"--help", NULL };
			for (c = 0; c < ARRAY_SIZE(commands); c++)
				if (!strcmp(commands[c].name, argv[i + 1]))
					return commands[c].fn(2, hargv);
		}
		usage(stdout);
		return EXIT_OK;
	}
	for (c = 0; c < ARRAY_SIZE(commands); c++)
		if (!strcmp(commands[c].name, argv[i])) {
			rundir_lock_set_command(commands[c].name);
			return commands[c].fn(argc - i, argv + i);
		}
	error("'%s' is not a steval command (see 'steval --help')", argv[i]);
	return EXIT_USAGE;
}
