/* Unit tests: frame plans (parse, canonical text, hash), the samplers
 * (numpy linspace golden values, STI-Bench's interval rule, time-based
 * selection, windows), frame sets (base64, hashes, JSON). */
#include "lib/common.h"
#include "lib/buf.h"
#include "harness/frames/frames.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <fcntl.h>
#include <math.h>
#include <unistd.h>
#include <zlib.h>
#include <setjmp.h>
#include <cmocka.h>

static void parse_longs(const char *s, long *out, int n)
{
	char *end;
	int i;

	for (i = 0; i < n; i++) {
		out[i] = strtol(s, &end, 10);
		assert_true(end != s);
		s = end;
	}
}

static void test_linspace_golden(void **state)
{
	FILE *f = fopen("tests/golden/frames/linspace.txt", "r");
	char *line = NULL;
	size_t cap = 0, cases = 0;

	(void)state;
	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		long n, N, *want, *got;
		char *bar1, *bar2;

		if (line[0] == '#')
			continue;
		assert_int_equal(sscanf(line, "%ld %ld", &n, &N), 2);
		bar1 = strchr(line, '|');
		assert_non_null(bar1);
		bar2 = strchr(bar1 + 1, '|');
		assert_non_null(bar2);
		want = xcalloc((size_t)N, sizeof(*want));
		got = xcalloc((size_t)N, sizeof(*got));
		parse_longs(bar1 + 1, want, (int)N);
		frames_linspace(0, n - 1, (int)N, got);
		assert_memory_equal(got, want, (size_t)N * sizeof(*got));
		parse_longs(bar2 + 1, want, (int)N);
		frames_linspace_round(0, n - 1, (int)N, got);
		assert_memory_equal(got, want, (size_t)N * sizeof(*got));
		free(want);
		free(got);
		cases++;
	}
	free(line);
	fclose(f);
	assert_true(cases > 500);
}

static void test_sti_interval(void **state)
{
	long out[64];
	int iv;
	size_t n, i;

	(void)state;
	/* flipping_a_pancake.mkv: OpenCV counts 311, 310 decode */
	n = frames_sti_indices(311, 310, 30, out, &iv);
	assert_int_equal(iv, 10);
	assert_int_equal(n, 30);
	for (i = 0; i < n; i++)
		assert_int_equal(out[i], (long)i * 10);
	/* fewer frames than wanted: every frame */
	n = frames_sti_indices(29, 29, 30, out, &iv);
	assert_int_equal(iv, 1);
	assert_int_equal(n, 29);
	/* the first 30 multiples, not reaching the end: 119 frames -> interval 3 */
	n = frames_sti_indices(119, 119, 30, out, &iv);
	assert_int_equal(iv, 3);
	assert_int_equal(n, 30);
	assert_int_equal(out[29], 87);
	/* OpenCV's count larger than what decodes: frames that do not decode are not sent */
	n = frames_sti_indices(100, 50, 30, out, &iv);
	assert_int_equal(iv, 3);
	assert_int_equal(n, 17);
	assert_int_equal(out[16], 48);
	n = frames_sti_indices(0, 10, 30, out, &iv);
	assert_int_equal(n, 0);
	assert_int_equal(iv, 1);
}

/* 100 frames at 10 fps */
static double pts100[100];

static void tl100(struct frame_timeline *tl)
{
	int i;

	for (i = 0; i < 100; i++)
		pts100[i] = i / 10.0;
	tl->n = 100;
	tl->pts = pts100;
	tl->duration = 10.0;
	tl->cv_fps = 10.0;
	tl->cv_frame_count = 100;
}

static void expect(const struct frame_targets *t, const long *want, size_t n)
{
	size_t i;

	assert_int_equal(t->n, n);
	for (i = 0; i < n; i++)
		assert_int_equal(t->index[i], want[i]);
}

static void test_select(void **state)
{
	struct frame_plan p;
	struct frame_timeline tl;
	struct frame_targets t;
	struct frame_window w = { 1, 2.0, 4.0 };
	struct buf err = BUF_INIT;

	(void)state;
	tl100(&tl);
	frame_plan_init(&p);
	p.window = 1;
	p.count = 5;
	assert_int_equal(frames_select(&p, &tl, NULL, &t, &err), 0);
	expect(&t, (long[]){ 0, 24, 49, 74, 99 }, 5);
	assert_true(fabs(t.sample_fps - 0.5) < 1e-12);
	frame_targets_release(&t);

	/* a window: frames 20..40, uniform over them */
	p.count = 3;
	assert_int_equal(frames_select(&p, &tl, &w, &t, &err), 0);
	expect(&t, (long[]){ 20, 30, 40 }, 3);
	frame_targets_release(&t);
	/* window off in the plan: the whole video */
	p.window = 0;
	assert_int_equal(frames_select(&p, &tl, &w, &t, &err), 0);
	expect(&t, (long[]){ 0, 49, 99 }, 3);
	frame_targets_release(&t);
	p.window = 1;

	/* uniform-time: segment centres 1.25, 3.75, 6.25, 8.75 */
	p.sampler = FRAME_UNIFORM_TIME;
	p.count = 4;
	assert_int_equal(frames_select(&p, &tl, NULL, &t, &err), 0);
	expect(&t, (long[]){ 12, 37, 62, 87 }, 4);
	frame_targets_release(&t);

	/* fps: 0, 1, ..., 9 s */
	p.sampler = FRAME_FPS;
	p.fps = 1.0;
	assert_int_equal(frames_select(&p, &tl, NULL, &t, &err), 0);
	expect(&t, (long[]){ 0, 10, 20, 30, 40, 50, 60, 70, 80, 90 }, 10);
	assert_true(t.sample_fps == 1.0);
	frame_targets_release(&t);
	p.force_last = 1;
	assert_int_equal(frames_select(&p, &tl, NULL, &t, &err), 0);
	expect(&t, (long[]){ 0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 99 }, 11);
	frame_targets_release(&t);
	p.force_last = 0;
	/* more than max_count: uniform-time over the cap */
	p.fps = 5.0;
	p.max_count = 4;
	assert_int_equal(frames_select(&p, &tl, NULL, &t, &err), 0);
	expect(&t, (long[]){ 12, 37, 62, 87 }, 4);
	frame_targets_release(&t);
	/* fps in a window [2, 4): 2.0, 2.5, 3.0, 3.5 */
	p.fps = 2.0;
	p.max_count = 32;
	assert_int_equal(frames_select(&p, &tl, &w, &t, &err), 0);
	expect(&t, (long[]){ 20, 25, 30, 35 }, 4);
	frame_targets_release(&t);

	/* STI: OpenCV's count 100 -> interval 3; sample_fps = fps / interval */
	p.sampler = FRAME_STI_INTERVAL;
	p.count = 30;
	assert_int_equal(frames_select(&p, &tl, NULL, &t, &err), 0);
	assert_int_equal(t.n, 30);
	assert_int_equal(t.interval, 3);
	assert_int_equal(t.index[29], 87);
	assert_true(fabs(t.sample_fps - 10.0 / 3) < 1e-12);
	frame_targets_release(&t);

	/* a window inside one frame's time: the frame shown then */
	p.sampler = FRAME_UNIFORM;
	p.count = 2;
	w.t_start = 2.05;
	w.t_end = 2.07;
	assert_int_equal(frames_select(&p, &tl, &w, &t, &err), 0);
	expect(&t, (long[]){ 20, 20 }, 2);
	frame_targets_release(&t);

	/* errors */
	w.t_start = 11;
	w.t_end = 12;
	assert_int_equal(frames_select(&p, &tl, &w, &t, &err), -1);
	assert_non_null(strstr(buf_cstr(&err), "after the end of the video"));
	buf_reset(&err);
	w.t_start = 3;
	w.t_end = 2;
	assert_int_equal(frames_select(&p, &tl, &w, &t, &err), -1);
	assert_non_null(strstr(buf_cstr(&err), "not a time range"));
	buf_reset(&err);
	tl.n = 0;
	assert_int_equal(frames_select(&p, &tl, NULL, &t, &err), -1);
	assert_non_null(strstr(buf_cstr(&err), "no frames"));
	buf_release(&err);
}

static void test_select_vfr(void **state)
{
	/* 30 frames at 25 fps, then 45 at 5 fps (the VFR clip the e2e tests make) */
	static double pts[75];
	struct frame_timeline tl;
	struct frame_plan p;
	struct frame_targets t;
	struct buf err = BUF_INIT;
	int i;

	(void)state;
	for (i = 0; i < 75; i++)
		pts[i] = i < 30 ? i / 25.0 : 30 / 25.0 + (i - 30) / 5.0;
	tl.n = 75;
	tl.pts = pts;
	tl.duration = pts[74] + 0.2;
	tl.cv_fps = 75 / tl.duration;
	tl.cv_frame_count = 75;
	frame_plan_init(&p);
	p.sampler = FRAME_UNIFORM_TIME;
	p.count = 4;       /* duration 10.2 s: 1.275, 3.825, 6.375, 8.925 s */
	assert_int_equal(frames_select(&p, &tl, NULL, &t, &err), 0);
	expect(&t, (long[]){ 30, 43, 55, 68 }, 4);
	frame_targets_release(&t);
	p.sampler = FRAME_UNIFORM;     /* by frame number: the dense start wins */
	assert_int_equal(frames_select(&p, &tl, NULL, &t, &err), 0);
	expect(&t, (long[]){ 0, 24, 49, 74 }, 4);
	frame_targets_release(&t);
	assert_int_equal(frames_at_time(&tl, 0.999), 24);
	assert_int_equal(frames_at_time(&tl, 1.2), 30);
	assert_int_equal(frames_at_time(&tl, -1), 0);
	buf_release(&err);
}

static cJSON *J(const char *s)
{
	cJSON *o = json_parse(s, strlen(s), "test", 0);
	assert_non_null(o);
	return o;
}

static void test_plan_parse(void **state)
{
	struct frame_plan p;
	struct buf b = BUF_INIT, log = BUF_INIT;
	char h1[65], h2[65];
	cJSON *o;

	(void)state;
	frame_plan_init(&p);
	frame_plan_canonical(&p, &b);
	assert_string_equal(buf_cstr(&b),
		"{\"sampler\":\"uniform\",\"count\":32,\"window\":false,\"force_last\":false,"
		"\"max_side\":0,\"max_pixels\":0,\"format\":\"jpeg\",\"quality\":95,\"rgb_swap\":false}");
	frame_plan_hash(&p, h1);

	o = J("{\"sampler\": \"sti-interval\", \"count\": 30, \"format\": \"jpeg\", \"quality\": 95, \"rgb_swap\": true}");
	assert_int_equal(frame_plan_parse(&p, o, "'sti.json': protocol 'openai'"), 0);
	cJSON_Delete(o);
	assert_int_equal(p.sampler, FRAME_STI_INTERVAL);
	assert_int_equal(p.count, 30);
	assert_true(p.rgb_swap);
	frame_plan_hash(&p, h2);
	assert_string_not_equal(h1, h2);

	/* layers override key by key */
	o = J("{\"count\": 16}");
	assert_int_equal(frame_plan_parse(&p, o, "x"), 0);
	cJSON_Delete(o);
	assert_int_equal(p.sampler, FRAME_STI_INTERVAL);
	assert_int_equal(p.count, 16);

	/* fps plans print fps and max_count, not count */
	frame_plan_init(&p);
	o = J("{\"sampler\": \"fps\", \"fps\": 2, \"max_count\": 8, \"format\": \"png\", \"max_side\": 768}");
	assert_int_equal(frame_plan_parse(&p, o, "x"), 0);
	cJSON_Delete(o);
	buf_reset(&b);
	frame_plan_canonical(&p, &b);
	assert_string_equal(buf_cstr(&b),
		"{\"sampler\":\"fps\",\"fps\":2.0,\"max_count\":8,\"window\":false,\"force_last\":false,"
		"\"max_side\":768,\"max_pixels\":0,\"format\":\"png\",\"rgb_swap\":false}");

	/* errors name the place and the key */
	log_capture(&log);
	frame_plan_init(&p);
#define BAD(text, needle) do { \
		o = J(text); \
		buf_reset(&log); \
		assert_int_equal(frame_plan_parse(&p, o, "'vsi.json': protocol 'default'"), -1); \
		assert_non_null(strstr(buf_cstr(&log), "'vsi.json': protocol 'default'")); \
		assert_non_null(strstr(buf_cstr(&log), needle)); \
		cJSON_Delete(o); \
	} while (0)
	BAD("{\"cuont\": 3}", "unknown key 'cuont'");
	BAD("{\"count\": 0}", "'count'");
	BAD("{\"count\": 2.5}", "'count' must be an integer");
	BAD("{\"count\": \"8\"}", "'count' must be an integer");
	BAD("{\"sampler\": \"random\"}", "unknown sampler 'random'");
	BAD("{\"fps\": 0}", "'fps'");
	BAD("{\"quality\": 101}", "'quality'");
	BAD("{\"format\": \"webp\"}", "'format'");
	BAD("{\"window\": 1}", "'window' must be true or false");
	BAD("{\"max_side\": -1}", "'max_side'");
	BAD("[1]", "must be an object");
#undef BAD
	log_capture(NULL);
	assert_int_equal(frame_plan_parse(&p, NULL, "x"), 0);   /* no object: defaults stay */
	buf_release(&b);
	buf_release(&log);
}

static void test_image(void **state)
{
	struct frame_image img;
	static const unsigned char png[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
		0, 0, 1, 0x2c, 0, 0, 0, 0xc8, 8, 2, 0, 0, 0,
	};
	unsigned char *d;
	char hex[65];

	(void)state;
	memset(&img, 0, sizeof(img));
	d = xmalloc(sizeof(png));
	memcpy(d, png, sizeof(png));
	frame_image_set(&img, d, sizeof(png), frame_mime_of(png, sizeof(png)));
	assert_string_equal(img.mime, "image/png");
	assert_int_equal(img.width, 300);
	assert_int_equal(img.height, 200);
	sha256_hex(png, sizeof(png), hex);
	assert_string_equal(img.sha256, hex);
	assert_int_equal(img.b64_len, 4 * ((sizeof(png) + 2) / 3));
	assert_memory_equal(img.b64, "iVBORw0KGgo", 11);
	frame_image_release(&img);

	d = (unsigned char *)xstrdup("Ma");
	frame_image_set(&img, d, 2, "x");
	assert_string_equal(img.b64, "TWE=");
	frame_image_release(&img);
	d = (unsigned char *)xstrdup("M");
	frame_image_set(&img, d, 1, "x");
	assert_string_equal(img.b64, "TQ==");
	frame_image_release(&img);
	d = (unsigned char *)xstrdup("Man");
	frame_image_set(&img, d, 3, "x");
	assert_string_equal(img.b64, "TWFu");
	frame_image_release(&img);

	assert_string_equal(frame_mime_of((const unsigned char *)"\xff\xd8\xff\xe0", 4), "image/jpeg");
	assert_string_equal(frame_mime_of((const unsigned char *)"GIF89a", 6), "image/gif");
	assert_string_equal(frame_mime_of((const unsigned char *)"RIFF\0\0\0\0WEBP", 12), "image/webp");
	assert_null(frame_mime_of((const unsigned char *)"{\"a\"", 4));
}

static void test_image_load(void **state)
{
	struct frame_image img;
	struct buf log = BUF_INIT;
	char path[] = "/tmp/steval-test-img.XXXXXX";
	int fd = mkstemp(path);
	static const unsigned char jpg[] = { 0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8, 0, 2, 0, 3, 1, 1, 0x11, 0, 0xFF, 0xD9 };

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, jpg, sizeof(jpg)), (ssize_t)sizeof(jpg));
	close(fd);
	assert_int_equal(frame_image_load(&img, path), 0);
	assert_string_equal(img.mime, "image/jpeg");
	assert_int_equal(img.width, 3);
	assert_int_equal(img.height, 2);
	assert_int_equal(img.index, -1);
	assert_true(img.pts < 0);
	frame_image_release(&img);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "hello", 5), 5);
	close(fd);
	log_capture(&log);
	assert_int_equal(frame_image_load(&img, path), -1);
	assert_non_null(strstr(buf_cstr(&log), "not a PNG, JPEG, GIF or WebP image"));
	buf_reset(&log);
	unlink(path);
	assert_int_equal(frame_image_load(&img, path), -1);
	assert_non_null(strstr(buf_cstr(&log), path));
	log_capture(NULL);
	buf_release(&log);
}

static void be32(unsigned char *p, unsigned long v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void png_chunk(struct buf *b, const char *type, const unsigned char *d, size_t n)
{
	unsigned char hdr[8], crc[4];
	uLong c = crc32(0, (const Bytef *)type, 4);

	be32(hdr, n);
	memcpy(hdr + 4, type, 4);
	buf_add(b, hdr, 8);
	buf_add(b, d, n);
	c = crc32(c, d, (uInt)n);
	be32(crc, c);
	buf_add(b, crc, 4);
}

/* A w x h RGB PNG: the left third red, the rest blue. */
static void make_png(struct buf *b, int w, int h)
{
	size_t row = 1 + (size_t)w * 3, n = row * (size_t)h;
	unsigned char *raw = xcalloc(n, 1), ihdr[13] = { 0 };
	uLongf zn = compressBound((uLong)n);
	unsigned char *z = xmalloc(zn);
	int x, y;

	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			unsigned char *p = raw + (size_t)y * row + 1 + (size_t)x * 3;
			p[0] = x < w / 3 ? 255 : 0;
			p[2] = x < w / 3 ? 0 : 255;
		}
	assert_int_equal(compress2(z, &zn, raw, (uLong)n, 9), Z_OK);
	buf_add(b, "\x89PNG\r\n\x1a\n", 8);
	be32(ihdr, (unsigned long)w);
	be32(ihdr + 4, (unsigned long)h);
	ihdr[8] = 8;
	ihdr[9] = 2;
	png_chunk(b, "IHDR", ihdr, 13);
	png_chunk(b, "IDAT", z, zn);
	png_chunk(b, "IEND", NULL, 0);
	free(raw);
	free(z);
}

/* Thumbnails for report.html: PNG or JPEG in, a JPEG that fits the side out. */
static void test_thumbnail(void **state)
{
	struct buf png = BUF_INIT, out = BUF_INIT, err = BUF_INIT, log = BUF_INIT;
	struct frame_image img, th;
	unsigned char *d;
	size_t n;

	(void)state;
	make_png(&png, 300, 200);
	memset(&img, 0, sizeof(img));
	d = (unsigned char *)buf_detach(&png, &n);
	frame_image_set(&img, d, n, "image/png");
	assert_int_equal(img.width, 300);
	assert_int_equal(frames_thumbnail_e(&img, 160, &out, &err), 0);
	memset(&th, 0, sizeof(th));
	d = (unsigned char *)buf_detach(&out, &n);
	frame_image_set(&th, d, n, "image/jpeg");
	assert_string_equal(frame_mime_of(th.data, th.size), "image/jpeg");
	assert_int_equal(th.width, 160);
	assert_int_equal(th.height, 107);
	/* a thumbnail of a thumbnail at a larger side is never enlarged */
	assert_int_equal(frames_thumbnail_e(&th, 400, &out, &err), 0);
	frame_image_release(&th);
	d = (unsigned char *)buf_detach(&out, &n);
	frame_image_set(&th, d, n, "image/jpeg");
	assert_int_equal(th.width, 160);
	assert_int_equal(th.height, 107);
	frame_image_release(&th);
	frame_image_release(&img);

	/* garbage: an error naming the step, no crash */
	memset(&img, 0, sizeof(img));
	frame_image_set(&img, (unsigned char *)xstrdup("\x89PNG\r\n\x1a\nnot really"), 18, "image/png");
	log_capture(&log);
	assert_int_equal(frames_thumbnail_e(&img, 160, &out, &err), -1);
	log_capture(NULL);
	buf_release(&log);
	assert_non_null(strstr(buf_cstr(&err), "thumbnail: cannot decode the image"));
	frame_image_release(&img);
	buf_release(&out);
	buf_release(&err);
}

static void test_frames_json(void **state)
{
	struct frameset *fs = frameset_new();
	struct buf b = BUF_INIT;
	char want[512];

	(void)state;
	fs->nimages = 2;
	fs->images = xcalloc(2, sizeof(*fs->images));
	frame_image_set(&fs->images[0], (unsigned char *)xstrdup("a"), 1, "image/jpeg");
	frame_image_set(&fs->images[1], (unsigned char *)xstrdup("b"), 1, "image/jpeg");
	fs->nframes = 3;
	fs->frames = xcalloc(3, sizeof(*fs->frames));
	fs->frames[0] = (struct frame_ref){ 0, 0.0, 0 };
	fs->frames[1] = (struct frame_ref){ 0, 0.0, 0 };
	fs->frames[2] = (struct frame_ref){ 12, 0.4, 1 };
	frames_json(fs, &b);
	snprintf(want, sizeof(want),
		 "[{\"index\":0,\"pts\":0.0,\"sha256\":\"%s\"},{\"index\":0,\"pts\":0.0,\"sha256\":\"%s\"},"
		 "{\"index\":12,\"pts\":0.4,\"sha256\":\"%s\"}]",
		 fs->images[0].sha256, fs->images[0].sha256, fs->images[1].sha256);
	assert_string_equal(buf_cstr(&b), want);
	assert_ptr_equal(frameset_image(fs, 2), &fs->images[1]);
	assert_ptr_equal(frameset_ref(fs), fs);
	assert_int_equal(fs->refs, 2);
	frameset_unref(fs);
	assert_int_equal(fs->refs, 1);
	assert_true(frameset_bytes(fs) > 2);
	buf_reset(&b);
	frames_image_name(fs, 1, &b);
	assert_string_equal(buf_cstr(&b), "frame_001.jpg");
	buf_release(&b);
	frameset_unref(fs);
	frameset_unref(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linspace_golden),
		cmocka_unit_test(test_sti_interval),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_select_vfr),
		cmocka_unit_test(test_plan_parse),
		cmocka_unit_test(test_image),
		cmocka_unit_test(test_image_load),
		cmocka_unit_test(test_frames_json),
		cmocka_unit_test(test_thumbnail),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
