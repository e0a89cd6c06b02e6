/*
 * frames_pool: the shared-video workload of tests/bench/frames.sh.
 *
 *   frames_pool shared|thumbs|separate QUESTIONS COUNT VIDEO...
 *
 * shared:   every question on every video goes through one struct fpool
 *           (no disk cache), in suite order (question-major), as the run
 *           loop submits them: each video is decoded once.
 * thumbs:   shared, and the pool writes report thumbnails (as steval run
 *           does by default) into a temporary directory.
 * separate: each question decodes its video again (frames_extract), the
 *           way harnesses that decode inside the model call work.
 * Prints "frames=F seconds=S".
 */
#include "lib/common.h"
#include "harness/frames/pool.h"
#include "harness/frames/frames.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

int main(int argc, char **argv)
{
	struct frame_plan plan;
	long q, count, i, k, nv, total = 0, want;
	double t0;

	if (argc < 5 || parse_long(argv[2], &q) < 0 || parse_long(argv[3], &count) < 0) {
		fprintf(stderr, "usage: frames_pool shared|thumbs|separate QUESTIONS COUNT VIDEO...\n");
		return 2;
	}
	frame_plan_init(&plan);
	plan.count = (int)count;
	nv = argc - 4;
	want = q * nv;
	t0 = mono_now();
	if (!strcmp(argv[1], "shared") || !strcmp(argv[1], "thumbs")) {
		struct fpool_opts o;
		struct fpool *p;
		struct fpool_result r;
		char tdir[] = "/tmp/steval-bench-thumbs.XXXXXX";
		long done = 0;

		memset(&o, 0, sizeof(o));
		if (!strcmp(argv[1], "thumbs")) {
			if (!mkdtemp(tdir))
				return 1;
			o.thumb_dir = tdir;
		}
		p = fpool_new(&o);
		if (!p)
			return 1;
		for (i = 0; i < q; i++)
			for (k = 0; k < nv; k++)
				fpool_submit(p, &(struct fpool_request){ argv[4 + k], &plan, NULL, NULL });
		while (done < want) {
			fpool_wait(p, -1);
			while (fpool_take(p, &r)) {
				if (!r.fs) {
					fprintf(stderr, "%s\n", r.error);
					return 1;
				}
				total += (long)r.fs->nframes;
				fpool_result_release(&r);
				done++;
			}
		}
		fpool_free(p);
		if (o.thumb_dir) {
			char *cmd = xasprintf("rm -rf '%s'", tdir);
			if (system(cmd) != 0)
				fprintf(stderr, "cannot remove %s\n", tdir);
			free(cmd);
		}
	} else {
		for (i = 0; i < q; i++)
			for (k = 0; k < nv; k++) {
				struct frameset *fs;
				if (frames_extract(argv[4 + k], &plan, NULL, NULL, &fs) < 0)
					return 1;
				total += (long)fs->nframes;
				frameset_unref(fs);
			}
	}
	printf("frames=%ld seconds=%.3f\n", total, mono_now() - t0);
	return 0;
}
