/*
 * cmd_frames.c: `steval frames VIDEO`: the frames a plan gives, for
 * inspection and scripting (docs/frames.md).
 */
#include "lib/common.h"
#include "harness/cli/commands.h"
#include "lib/buf.h"
#include "harness/frames/cache.h"
#include "harness/frames/frames.h"
#include "lib/json.h"
#include "lib/log.h"
#include "harness/cli/opt.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <math.h>

static int write_out(const struct frameset *fs, const char *dir)
{
	struct buf b = BUF_INIT;
	struct jw w;
	size_t i;
	int rc = 0;

	if (!dir_exists(dir) && mkdir_p(dir) < 0)
		return -1;
	for (i = 0; i < fs->nimages && rc == 0; i++) {
		char *p;

		buf_reset(&b);
		frames_image_name(fs, (int)i, &b);
		p = path_join(dir, buf_cstr(&b));
		rc = write_file_atomic(p, fs->images[i].data, fs->images[i].size);
		free(p);
	}
	if (rc == 0) {
		char *p = path_join(dir, "frames.json");

		buf_reset(&b);
		jw_init(&w, &b, 1);
		frameset_write_index(&w, fs, 1);
		buf_addch(&b, '\n');
		rc = write_file_atomic(p, b.data, b.len);
		free(p);
	}
	buf_release(&b);
	return rc;
}

int cmd_frames(int argc, char **argv)
{
	long count = -1, max_count = -1, max_side = -1, max_pixels = -1, quality = -1, threads = 0;
	double fps = -1, t_start = NAN, t_end = NAN;
	const char *sampler = NULL, *format = NULL, *out = NULL, *plan_json = NULL;
	const char *cache_dir = NULL, *strategy = NULL;
	int force_last = 0, rgb_swap = 0, no_window = 0, no_cache = 0, print_json = 0;
	const struct opt opts[] = {
		{ "count", 'n', OPT_PINT, &count, "N", "frames to take (uniform, uniform-time, sti-interval; default 32)" },
		{ "sampler", 's', OPT_STR, &sampler, "NAME",
		  "uniform (default), uniform-round, uniform-time, fps, sti-interval" },
		{ "fps", 0, OPT_PDOUBLE, &fps, "F", "fps sampler: frames per second (default 1)" },
		{ "max-count", 0, OPT_PINT, &max_count, "N", "fps sampler: at most N frames (default 32)" },
		{ "start", 0, OPT_UDOUBLE, &t_start, "SEC", "window start, seconds from the first frame (sets window=true)" },
		{ "end", 0, OPT_UDOUBLE, &t_end, "SEC", "window end (sets window=true)" },
		{ "no-window", 0, OPT_FLAG, &no_window, NULL, "keep window=false: ignore --start/--end" },
		{ "force-last", 0, OPT_FLAG, &force_last, NULL, "append the last frame when it is not taken" },
		{ "max-side", 0, OPT_UINT, &max_side, "PX", "scale down so the longer side is at most PX" },
		{ "max-pixels", 0, OPT_UINT, &max_pixels, "N", "scale down to at most N pixels" },
		{ "format", 'f', OPT_STR, &format, "jpeg|png", "image format (default jpeg)" },
		{ "quality", 'q', OPT_PINT, &quality, "Q", "JPEG quality 1-100, libjpeg scale (default 95)" },
		{ "rgb-swap", 0, OPT_FLAG, &rgb_swap, NULL, "swap red and blue (STI-Bench openai_test.py)" },
		{ "plan", 0, OPT_STR, &plan_json, "JSON", "a whole frame plan object; the options above override it" },
		{ "out", 'o', OPT_STR, &out, "DIR", "write frame_NNN.jpg|png and frames.json into DIR" },
		{ "json", 0, OPT_FLAG, &print_json, NULL, "print frames.json on stdout (the default without --out)" },
		{ "cache-dir", 0, OPT_STR, &cache_dir, "DIR", "frame cache (default $STEVAL_CACHE_DIR, ~/.cache/steval)" },
		{ "no-cache", 0, OPT_FLAG, &no_cache, NULL, "neither read nor write the frame cache" },
		{ "threads", 0, OPT_UINT, &threads, "N", "decoder threads (default: twice the number of cores)" },
		{ "strategy", 0, OPT_STR, &strategy, "S", "auto (default), sequential or seek: how to reach frames" },
		OPT_END_MARK,
	};
	const struct opt_cmd cmd = {
		"frames", "steval frames VIDEO [--count N] [--sampler S] [plan options] [--out DIR]",
		"Extract the frames a frame plan selects from VIDEO, exactly as `steval run`\n"
		"sends them (same cache). Prints frames.json (frame numbers, presentation\n"
		"times, hashes, video metadata) on stdout, or writes it with the images\n"
		"into --out DIR.",
		opts, 1, 1,
	};
	struct frame_plan plan;
	struct frame_window win = { 0, 0, 0 };
	struct frame_opts fo = { 0, FRAME_STRATEGY_AUTO, NULL };
	struct fcache cache;
	struct frameset *fs = NULL;
	enum fcache_source src = FCACHE_DECODED;
	const char **pos;
	size_t npos;
	int rc;

	rc = opt_parse(&cmd, argc, argv, &pos, &npos);
	if (rc)
		return rc < 0 ? EXIT_USAGE : EXIT_OK;
	rc = EXIT_USAGE;
	frame_plan_init(&plan);
	fcache_init(&cache, cache_dir, no_cache);
	if (plan_json) {
		cJSON *o = json_parse(plan_json, strlen(plan_json), "--plan", 0);
		int bad = !o || frame_plan_parse(&plan, o, "--plan") < 0;
		cJSON_Delete(o);
		if (bad)
			goto out;
	}
	if (sampler && frame_sampler_parse(sampler, &plan.sampler) < 0) {
		error("frames: unknown sampler '%s' (uniform, uniform-round, uniform-time, fps, sti-interval)", sampler);
		goto out;
	}
	if (format && frame_format_parse(format, &plan.format) < 0) {
		error("frames: --format must be jpeg or png, not '%s'", format);
		goto out;
	}
	if (count != -1) {
		if (count < 1 || count > 10000) {
			error("frames: --count must be between 1 and 10000");
			goto out;
		}
		plan.count = (int)count;
	}
	if (max_count != -1) {
		if (max_count < 1 || max_count > 10000) {
			error("frames: --max-count must be between 1 and 10000");
			goto out;
		}
		plan.max_count = (int)max_count;
	}
	if (fps != -1) {
		if (!(fps > 0) || fps > 1000) {
			error("frames: --fps must be above 0 and at most 1000");
			goto out;
		}
		plan.fps = fps;
	}
	if (max_side != -1) {
		if (max_side < 0 || max_side > 65536) {
			error("frames: --max-side must be between 0 and 65536");
			goto out;
		}
		plan.max_side = (int)max_side;
	}
	if (max_pixels != -1) {
		if (max_pixels < 0) {
			error("frames: --max-pixels must not be negative");
			goto out;
		}
		plan.max_pixels = max_pixels;
	}
	if (quality != -1) {
		if (quality < 1 || quality > 100) {
			error("frames: --quality must be between 1 and 100");
			goto out;
		}
		plan.quality = (int)quality;
	}
	if (force_last)
		plan.force_last = 1;
	if (rgb_swap)
		plan.rgb_swap = 1;
	if (!isnan(t_start) || !isnan(t_end)) {
		plan.window = !no_window;   /* a window on the command line is meant */
		win.has = 1;
		win.t_start = isnan(t_start) ? 0 : t_start;
		win.t_end = isnan(t_end) ? HUGE_VAL : t_end;
		if (!(win.t_start >= 0) || !(win.t_end >= win.t_start)) {
			error("frames: the window needs 0 <= --start <= --end");
			goto out;
		}
	}
	if (threads < 0 || threads > 64) {
		error("frames: --threads must be between 0 and 64");
		goto out;
	}
	fo.threads = (int)threads;
	if (strategy) {
		if (!strcmp(strategy, "auto"))
			fo.strategy = FRAME_STRATEGY_AUTO;
		else if (!strcmp(strategy, "sequential"))
			fo.strategy = FRAME_STRATEGY_SEQUENTIAL;
		else if (!strcmp(strategy, "seek"))
			fo.strategy = FRAME_STRATEGY_SEEK;
		else {
			error("frames: --strategy must be auto, sequential or seek");
			goto out;
		}
		/* a strategy is a request to decode: the cache would answer instead */
		if (fo.strategy != FRAME_STRATEGY_AUTO) {
			fcache_release(&cache);
			fcache_init(&cache, NULL, 1);
		}
	}
	if (fcache_get(&cache, pos[0], &plan, win.has ? &win : NULL, &fo, &fs, &src) < 0)
		goto out;
	notef("'%s': %zu frames (%zu images) %s in %.3f s", pos[0], fs->nframes, fs->nimages,
	      src == FCACHE_DISK ? "from the cache" : "decoded", fs->stats.seconds);
	if (out && write_out(fs, out) < 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (!out || print_json) {
		struct buf b = BUF_INIT;
		struct jw w;

		jw_init(&w, &b, 1);
		frameset_write_index(&w, fs, out != NULL);
		buf_addch(&b, '\n');
		fwrite(b.data, 1, b.len, stdout);
		buf_release(&b);
	}
	rc = EXIT_OK;
out:
	frameset_unref(fs);
	fcache_release(&cache);
	free(pos);
	return rc;
}
