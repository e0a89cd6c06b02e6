/* Unit tests: the frame pool and the frame cache API on real clips from
 * ../shared/data/video: one extraction shared by many requests, results
 * through the eventfd, errors as results, disk hits in a new pool. */
#include "lib/common.h"
#include "lib/buf.h"
#include "harness/frames/cache.h"
#include "harness/frames/pool.h"
#include "harness/frames/frames.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <poll.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#define CLIP_A "../shared/data/video/open-mmlab+mmaction2/tests/data/test.mp4"
#define CLIP_B "../shared/data/video/pytorch+torchcodec/test/resources/h265_video.mp4"

static char cachedir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(cachedir, sizeof(cachedir), "/tmp/steval-fpool.XXXXXX");
	return mkdtemp(cachedir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cachedir);
	return system(cmd) == 0 ? 0 : -1;
}

static int readable(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };
	return poll(&p, 1, 0) > 0;
}

static void test_shared(void **state)
{
	struct fcache c;
	struct fpool_opts o;
	struct fpool *p;
	struct frame_plan plan;
	struct frame_window win = { 1, 1.0, 2.0 };
	struct fpool_result r, res[32];
	size_t got = 0, i, decoded_a = 0, errors = 0;
	struct frameset *fs_a = NULL;
	int seen[32] = { 0 };

	(void)state;
	fcache_init(&c, cachedir, 0);
	memset(&o, 0, sizeof(o));
	o.workers = 2;
	o.threads = 1;
	o.cache = &c;
	p = fpool_new(&o);
	assert_non_null(p);
	frame_plan_init(&plan);
	plan.count = 4;
	plan.window = 1;
	assert_false(readable(fpool_fd(p)));
	assert_int_equal(fpool_take(p, &r), 0);

	/* 18 questions on A, 2 on B, one A in a window, one missing file */
	for (i = 0; i < 18; i++)
		assert_int_equal(fpool_submit(p, &(struct fpool_request){ CLIP_A, &plan, NULL, (void *)(i + 1) }), 0);
	for (i = 18; i < 20; i++)
		assert_int_equal(fpool_submit(p, &(struct fpool_request){ CLIP_B, &plan, NULL, (void *)(i + 1) }), 0);
	assert_int_equal(fpool_submit(p, &(struct fpool_request){ CLIP_A, &plan, &win, (void *)21 }), 0);
	assert_int_equal(fpool_submit(p, &(struct fpool_request){ "/nonexistent/x.mp4", &plan, NULL, (void *)22 }), 0);
	assert_int_equal(fpool_pending(p), 22);

	while (got < 22) {
		assert_true(fpool_wait(p, 60000));
		assert_true(readable(fpool_fd(p)));
		while (fpool_take(p, &res[got]))
			got++;
		/* drained: the fd is quiet again */
		assert_false(readable(fpool_fd(p)));
	}
	assert_int_equal(fpool_pending(p), 0);
	for (i = 0; i < got; i++) {
		size_t tag = (size_t)res[i].tag;
		assert_true(tag >= 1 && tag <= 22);
		assert_int_equal(seen[tag], 0);
		seen[tag] = 1;
		if (tag == 22) {
			assert_null(res[i].fs);
			assert_non_null(strstr(res[i].error, "/nonexistent/x.mp4"));
			errors++;
			continue;
		}
		assert_non_null(res[i].fs);
		assert_null(res[i].error);
		if (tag <= 18) {
			if (!fs_a)
				fs_a = res[i].fs;
			assert_ptr_equal(res[i].fs, fs_a);    /* one set for all 18 */
			if (res[i].source == FCACHE_DECODED)
				decoded_a++;
			assert_int_equal(res[i].fs->nframes, 4);
		} else if (tag == 21) {
			assert_true(res[i].fs != fs_a);
			assert_true(res[i].fs->window.has);
			assert_true(res[i].fs->frames[0].pts >= 1.0 - 1e-9);
			assert_true(res[i].fs->frames[3].pts <= 2.0 + 1e-9);
		} else {
			assert_string_equal(res[i].fs->meta.codec, "hevc");
		}
	}
	assert_int_equal(decoded_a, 1);
	assert_int_equal(errors, 1);
	/* 18 results + the pool's memory (+ the worker's own until it lets go) */
	assert_true(__atomic_load_n(&fs_a->refs, __ATOMIC_ACQUIRE) >= 18 + 1 &&
		    __atomic_load_n(&fs_a->refs, __ATOMIC_ACQUIRE) <= 18 + 2);
	for (i = 0; i < got; i++)
		fpool_result_release(&res[i]);

	/* again: straight from memory */
	assert_int_equal(fpool_submit(p, &(struct fpool_request){ CLIP_A, &plan, NULL, (void *)99 }), 0);
	assert_true(fpool_wait(p, 10000));
	assert_int_equal(fpool_take(p, &r), 1);
	assert_int_equal(r.source, FCACHE_MEMORY);
	assert_ptr_equal(r.tag, (void *)99);
	fpool_result_release(&r);
	fpool_free(p);

	/* a new pool, same cache: from disk, same content */
	p = fpool_new(&o);
	assert_int_equal(fpool_submit(p, &(struct fpool_request){ CLIP_A, &plan, NULL, (void *)7 }), 0);
	assert_true(fpool_wait(p, 60000));
	assert_int_equal(fpool_take(p, &r), 1);
	assert_int_equal(r.source, FCACHE_DISK);
	assert_int_equal(r.fs->nframes, 4);
	assert_int_equal(r.fs->meta.frame_count, 300);
	assert_int_equal(strlen(r.fs->video_sha256), 64);
	fpool_result_release(&r);
	/* results nobody takes are freed with the pool */
	assert_int_equal(fpool_submit(p, &(struct fpool_request){ CLIP_B, &plan, NULL, (void *)8 }), 0);
	fpool_free(p);
	fcache_release(&c);
}

static void test_cache_api(void **state)
{
	struct fcache c;
	struct frame_plan plan;
	struct frame_window w1 = { 1, 0.0, 1.0 }, w2 = { 1, 0.0, 2.0 };
	struct frameset *a, *b;
	struct fcache_stats st;
	enum fcache_source src;
	char id[65], k0[65], k1[65], k2[65], k3[65];
	struct buf err = BUF_INIT;
	long removed;

	(void)state;
	fcache_init(&c, cachedir, 0);
	assert_int_equal(fcache_clear(&c, &removed), 0);
	frame_plan_init(&plan);
	plan.count = 3;
	plan.window = 1;
	assert_int_equal(fcache_video_id_e(&c, CLIP_B, id, &err), 0);
	fcache_key(id, &plan, NULL, k0);
	fcache_key(id, &plan, &w1, k1);
	fcache_key(id, &plan, &w2, k2);
	assert_string_not_equal(k0, k1);
	assert_string_not_equal(k1, k2);
	plan.window = 0;           /* a plan that ignores windows ignores them in the key */
	fcache_key(id, &plan, &w1, k3);
	plan.window = 1;
	assert_string_not_equal(k3, k1);
	plan.count = 4;
	fcache_key(id, &plan, NULL, k3);
	assert_string_not_equal(k0, k3);
	plan.count = 3;

	assert_int_equal(fcache_get_e(&c, CLIP_B, &plan, NULL, NULL, &a, &src, &err), 0);
	assert_int_equal(src, FCACHE_DECODED);
	assert_int_equal(fcache_get_e(&c, CLIP_B, &plan, NULL, NULL, &b, &src, &err), 0);
	assert_int_equal(src, FCACHE_DISK);
	assert_int_equal(a->nframes, b->nframes);
	for (size_t i = 0; i < a->nframes; i++) {
		assert_int_equal(a->frames[i].index, b->frames[i].index);
		assert_true(a->frames[i].pts == b->frames[i].pts);
		assert_string_equal(frameset_image(a, i)->sha256, frameset_image(b, i)->sha256);
		assert_string_equal(frameset_image(a, i)->pixels, frameset_image(b, i)->pixels);
		assert_string_equal(frameset_image(a, i)->b64, frameset_image(b, i)->b64);
	}
	assert_true(a->meta.duration == b->meta.duration);
	assert_int_equal(a->meta.cv_frame_count, b->meta.cv_frame_count);
	assert_string_equal(a->plan, b->plan);
	frameset_unref(a);
	frameset_unref(b);
	fcache_stats(&c, &st);
	assert_int_equal(st.sets, 1);
	assert_int_equal(st.images, 3);
	assert_int_equal(st.ids, 1);
	assert_true(st.bytes > 0);
	assert_int_equal(fcache_clear(&c, &removed), 0);
	assert_int_equal(removed, 1);
	fcache_stats(&c, &st);
	assert_int_equal(st.sets, 0);

	/* a disabled cache still extracts */
	fcache_release(&c);
	fcache_init(&c, NULL, 1);
	assert_int_equal(fcache_get_e(&c, CLIP_B, &plan, NULL, NULL, &a, &src, &err), 0);
	assert_int_equal(src, FCACHE_DECODED);
	frameset_unref(a);
	assert_int_equal(fcache_get_e(&c, "/nonexistent.mp4", &plan, NULL, NULL, &a, &src, &err), -1);
	assert_non_null(strstr(buf_cstr(&err), "'/nonexistent.mp4': cannot open"));
	assert_null(a);
	buf_release(&err);
	fcache_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared),
		cmocka_unit_test(test_cache_api),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
