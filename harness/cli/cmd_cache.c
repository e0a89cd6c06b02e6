/*
 * cmd_cache.c: `steval cache stats|clear`.
 */
#include "lib/common.h"
#include "harness/cli/commands.h"
#include "harness/frames/cache.h"
#include "lib/log.h"
#include "harness/cli/opt.h"
#include "harness/run/judge.h"

int cmd_cache(int argc, char **argv)
{
	const char *dir = NULL;
	const struct opt opts[] = {
		{ "cache-dir", 0, OPT_STR, &dir, "DIR",
		  "the cache (default $STEVAL_CACHE_DIR, $XDG_CACHE_HOME/steval, ~/.cache/steval)" },
		OPT_END_MARK,
	};
	const struct opt_cmd cmd = {
		"cache", "steval cache stats|clear [--cache-dir DIR]",
		"Show what the cache holds (stats) or empty it (clear). Frame sets are\n"
		"keyed by the video's content, the frame plan and the time window; judge\n"
		"verdicts (DIR/judge) by the judge model and the exact request.",
		opts, 1, 1,
	};
	struct fcache c;
	struct fcache_stats s;
	const char **pos;
	size_t npos;
	int rc;

	rc = opt_parse(&cmd, argc, argv, &pos, &npos);
	if (rc)
		return rc < 0 ? EXIT_USAGE : EXIT_OK;
	fcache_init(&c, dir, 0);
	rc = EXIT_USAGE;
	if (!c.dir) {
		error("cache: no cache directory (set STEVAL_CACHE_DIR or HOME, or pass --cache-dir)");
	} else if (!strcmp(pos[0], "stats")) {
		fcache_stats(&c, &s);
		printf("cache: %s\n", c.dir);
		printf("frame sets: %ld\n", s.sets);
		printf("images: %ld\n", s.images);
		printf("video ids: %ld\n", s.ids);
		printf("bytes: %lld\n", s.bytes);
		if (s.partial)
			printf("unfinished entries: %ld\n", s.partial);
		{
			struct judge_cache_stats js;
			if (judge_cache_stats(dir, &js) == 0) {
				printf("judge verdicts: %ld\n", js.entries);
				printf("judge bytes: %lld\n", js.bytes);
			}
		}
		rc = EXIT_OK;
	} else if (!strcmp(pos[0], "clear")) {
		long n;
		if (fcache_clear(&c, &n) == 0) {
			long nj = 0;
			printf("removed %ld frame set%s from %s\n", n, n == 1 ? "" : "s", c.dir);
			if (judge_cache_clear(dir, &nj) == 0 && nj)
				printf("removed %ld judge verdict%s\n", nj, nj == 1 ? "" : "s");
			rc = EXIT_OK;
		}
	} else {
		error("cache: unknown action '%s' (stats or clear)", pos[0]);
	}
	fcache_release(&c);
	free(pos);
	return rc;
}
