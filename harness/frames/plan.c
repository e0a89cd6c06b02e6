/*
 * fplan.c: frame plans, frame selection and frame sets -- the parts of the
 * frames module that need no FFmpeg (frames.c has the decoding).
 */
#include "lib/common.h"
#include "harness/frames/frames.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <math.h>

/* ---------------------------------------------------------------- plans */

static const char *const sampler_names[] = {
	[FRAME_UNIFORM] = "uniform",
	[FRAME_UNIFORM_ROUND] = "uniform-round",
	[FRAME_UNIFORM_TIME] = "uniform-time",
	[FRAME_FPS] = "fps",
	[FRAME_STI_INTERVAL] = "sti-interval",
};

const char *frame_sampler_name(enum frame_sampler s)
{
	return (size_t)s < ARRAY_SIZE(sampler_names) ? sampler_names[s] : "?";
}

int frame_sampler_parse(const char *name, enum frame_sampler *out)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sampler_names); i++)
		if (!strcmp(name, sampler_names[i])) {
			*out = (enum frame_sampler)i;
			return 0;
		}
	return -1;
}

int frame_format_parse(const char *name, enum frame_format *out)
{
	if (!strcmp(name, "jpeg") || !strcmp(name, "jpg"))
		*out = FRAME_JPEG;
	else if (!strcmp(name, "png"))
		*out = FRAME_PNG;
	else
		return -1;
	return 0;
}

void frame_plan_init(struct frame_plan *p)
{
	memset(p, 0, sizeof(*p));
	p->sampler = FRAME_UNIFORM;
	p->count = 32;
	p->fps = 1.0;
	p->max_count = 32;
	p->window = 0;
	p->format = FRAME_JPEG;
	p->quality = 95;
}

#define PLAN_MAX_COUNT 10000
#define PLAN_MAX_SIDE 65536

static int get_int(const cJSON *v, const char *where, const char *key, long lo, long hi, long *out)
{
	double d;

	if (!cJSON_IsNumber(v))
		return error("%s: frames: '%s' must be an integer", where, key);
	d = v->valuedouble;
	if (d != floor(d) || (json_spelling(v) && !json_is_int(v)))
		return error("%s: frames: '%s' must be an integer, not %s", where, key,
			     json_spelling(v) ? json_spelling(v) : "a fraction");
	if (d < (double)lo || d > (double)hi)
		return error("%s: frames: '%s' must be between %ld and %ld, not %.17g", where,
			     key, lo, hi, d);
	*out = (long)d;
	return 0;
}

static int get_bool(const cJSON *v, const char *where, const char *key, int *out)
{
	if (!cJSON_IsBool(v))
		return error("%s: frames: '%s' must be true or false", where, key);
	*out = cJSON_IsTrue(v);
	return 0;
}

int frame_plan_parse(struct frame_plan *p, const cJSON *obj, const char *where)
{
	const cJSON *v;
	long l;

	if (!obj)
		return 0;
	if (!where)
		where = "frame plan";
	if (!cJSON_IsObject(obj))
		return error("%s: frames: must be an object", where);
	cJSON_ArrayForEach(v, obj) {
		const char *k = v->string ? v->string : "";

		if (!strcmp(k, "sampler")) {
			if (!cJSON_IsString(v))
				return error("%s: frames: 'sampler' must be a string", where);
			if (frame_sampler_parse(v->valuestring, &p->sampler) < 0)
				return error("%s: frames: unknown sampler '%s' (uniform, uniform-round, "
					     "uniform-time, fps, sti-interval)", where, v->valuestring);
		} else if (!strcmp(k, "count")) {
			if (get_int(v, where, k, 1, PLAN_MAX_COUNT, &l) < 0)
				return -1;
			p->count = (int)l;
		} else if (!strcmp(k, "max_count")) {
			if (get_int(v, where, k, 1, PLAN_MAX_COUNT, &l) < 0)
				return -1;
			p->max_count = (int)l;
		} else if (!strcmp(k, "fps")) {
			if (!cJSON_IsNumber(v) || !(v->valuedouble > 0) || v->valuedouble > 1000)
				return error("%s: frames: 'fps' must be a number above 0 and at most 1000",
					     where);
			p->fps = v->valuedouble;
		} else if (!strcmp(k, "window")) {
			if (get_bool(v, where, k, &p->window) < 0)
				return -1;
		} else if (!strcmp(k, "force_last")) {
			if (get_bool(v, where, k, &p->force_last) < 0)
				return -1;
		} else if (!strcmp(k, "rgb_swap")) {
			if (get_bool(v, where, k, &p->rgb_swap) < 0)
				return -1;
		} else if (!strcmp(k, "max_side")) {
			if (get_int(v, where, k, 0, PLAN_MAX_SIDE, &l) < 0)
				return -1;
			p->max_side = (int)l;
		} else if (!strcmp(k, "max_pixels")) {
			if (get_int(v, where, k, 0, (long)PLAN_MAX_SIDE * PLAN_MAX_SIDE, &l) < 0)
				return -1;
			p->max_pixels = l;
		} else if (!strcmp(k, "format")) {
			if (!cJSON_IsString(v) || frame_format_parse(v->valuestring, &p->format) < 0)
				return error("%s: frames: 'format' must be \"jpeg\" or \"png\"", where);
		} else if (!strcmp(k, "quality")) {
			if (get_int(v, where, k, 1, 100, &l) < 0)
				return -1;
			p->quality = (int)l;
		} else {
			return error("%s: frames: unknown key '%s' (sampler, count, fps, max_count, "
				     "window, force_last, max_side, max_pixels, format, quality, rgb_swap)",
				     where, k);
		}
	}
	return 0;
}

void frame_plan_canonical(const struct frame_plan *p, struct buf *out)
{
	struct jw w;

	jw_init(&w, out, 0);
	jw_obj(&w);
	jw_key(&w, "sampler");
	jw_str(&w, frame_sampler_name(p->sampler));
	if (p->sampler == FRAME_FPS) {
		jw_key(&w, "fps");
		jw_num(&w, p->fps);
		jw_key(&w, "max_count");
		jw_int(&w, p->max_count);
	} else {
		jw_key(&w, "count");
		jw_int(&w, p->count);
	}
	jw_key(&w, "window");
	jw_bool(&w, p->window);
	jw_key(&w, "force_last");
	jw_bool(&w, p->force_last);
	jw_key(&w, "max_side");
	jw_int(&w, p->max_side);
	jw_key(&w, "max_pixels");
	jw_int(&w, p->max_pixels);
	jw_key(&w, "format");
	jw_str(&w, p->format == FRAME_PNG ? "png" : "jpeg");
	if (p->format == FRAME_JPEG) {
		jw_key(&w, "quality");
		jw_int(&w, p->quality);
	}
	jw_key(&w, "rgb_swap");
	jw_bool(&w, p->rgb_swap);
	jw_end(&w);
}

void frame_plan_hash(const struct frame_plan *p, char hex[65])
{
	struct buf b = BUF_INIT;

	frame_plan_canonical(p, &b);
	sha256_hex(buf_cstr(&b), b.len, hex);
	buf_release(&b);
}

/* ------------------------------------------------------------ selection */

void frame_targets_release(struct frame_targets *t)
{
	free(t->index);
	memset(t, 0, sizeof(*t));
}

/*
 * numpy 1.24 linspace(start, stop, num, endpoint=True) then astype(int):
 *   div = num - 1; step = (stop - start) / div
 *   y = arange(num) * step + start   (y = arange(num) / div * delta if step == 0)
 *   y[-1] = stop
 * and int conversion truncates toward zero.
 */
static double linspace_at(long start, long stop, int num, int i)
{
	double delta = (double)stop - (double)start, step, y;
	int div = num - 1;

	if (div <= 0)
		return (double)i * delta + (double)start;
	if (i == num - 1)
		return (double)stop;
	step = delta / div;
	if (step == 0)
		y = (double)i / div * delta;
	else
		y = (double)i * step;
	return y + (double)start;
}

void frames_linspace(long start, long stop, int num, long *out)
{
	int i;

	for (i = 0; i < num; i++)
		out[i] = (long)trunc(linspace_at(start, stop, num, i));
}

void frames_linspace_round(long start, long stop, int num, long *out)
{
	int i;

	for (i = 0; i < num; i++)
		out[i] = (long)nearbyint(linspace_at(start, stop, num, i));  /* ties to even */
}

size_t frames_sti_indices(long total, long avail, int count, long *out, int *interval)
{
	/* Python: max(1, int(total_frames / max_frames)) -- float division, truncation */
	long iv = count > 0 ? (long)trunc((double)total / (double)count) : 1;
	size_t n = 0;
	long idx;

	if (iv < 1)
		iv = 1;
	if (iv > INT_MAX)
		iv = INT_MAX;
	*interval = (int)iv;
	for (idx = 0; idx < total && idx < avail && n < (size_t)count; idx += iv)
		out[n++] = idx;
	return n;
}

#define TIME_EPS 1e-6

long frames_at_time(const struct frame_timeline *tl, double t)
{
	long lo = 0, hi = tl->n - 1, ans = 0;

	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;
		if (tl->pts[mid] <= t + TIME_EPS) {
			ans = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return ans;
}

static long first_at_or_after(const struct frame_timeline *tl, double t)
{
	long lo = 0, hi = tl->n - 1, ans = tl->n;

	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;
		if (tl->pts[mid] >= t - TIME_EPS) {
			ans = mid;
			hi = mid - 1;
		} else {
			lo = mid + 1;
		}
	}
	return ans;
}

static void time_points(const struct frame_timeline *tl, double ta, double tb, int n,
			long lo, long hi, long *out)
{
	double span = tb - ta;
	int i;

	for (i = 0; i < n; i++) {
		double t = span > 0 ? ta + ((double)i + 0.5) * span / n : ta;
		long k = frames_at_time(tl, t);
		out[i] = k < lo ? lo : k > hi ? hi : k;
	}
}

int frames_select(const struct frame_plan *p, const struct frame_timeline *tl,
		  const struct frame_window *w, struct frame_targets *out, struct buf *err)
{
	long lo = 0, hi, m, *idx;
	double ta = 0, tb, span;
	size_t n = 0, cap;
	int windowed = 0, capped = 0;

	memset(out, 0, sizeof(*out));
	if (tl->n <= 0) {
		buf_adds(err, "the video has no frames");
		return -1;
	}
	hi = tl->n - 1;
	tb = tl->duration > 0 ? tl->duration : tl->pts[hi];
	if (p->window && w && w->has) {
		double a = w->t_start, b = w->t_end;

		if (!(a >= 0) || !(b >= a)) {
			buf_addf(err, "window [%g, %g] s is not a time range", a, b);
			return -1;
		}
		if (a > tb + TIME_EPS && a > tl->pts[hi] + TIME_EPS) {
			buf_addf(err, "window [%g, %g] s starts after the end of the video (%g s)",
				 a, b, tb);
			return -1;
		}
		windowed = 1;
		lo = first_at_or_after(tl, a);
		hi = frames_at_time(tl, b);
		if (lo > hi || lo >= tl->n)   /* no frame starts inside: the one shown at a */
			lo = hi = frames_at_time(tl, a);
		ta = a;
		tb = b < tb ? b : tb;
		if (tb < ta)
			tb = ta;
	}
	m = hi - lo + 1;
	span = tb - ta;

	cap = (size_t)(p->sampler == FRAME_FPS ? p->max_count : p->count) + 1;
	idx = xcalloc(cap, sizeof(*idx));
	switch (p->sampler) {
	case FRAME_UNIFORM:
	case FRAME_UNIFORM_ROUND:
		if (p->sampler == FRAME_UNIFORM)
			frames_linspace(0, m - 1, p->count, idx);
		else
			frames_linspace_round(0, m - 1, p->count, idx);
		for (n = 0; n < (size_t)p->count; n++)
			idx[n] += lo;
		break;
	case FRAME_UNIFORM_TIME:
		time_points(tl, ta, tb, p->count, lo, hi, idx);
		n = (size_t)p->count;
		break;
	case FRAME_FPS: {
		double k = ceil(span * p->fps - 1e-9);
		long want = k < 1 ? 1 : k > (double)PLAN_MAX_COUNT * 100 ? PLAN_MAX_COUNT * 100 : (long)k;

		if (want > p->max_count) {
			capped = 1;
			time_points(tl, ta, tb, p->max_count, lo, hi, idx);
			n = (size_t)p->max_count;
		} else {
			long i;
			for (i = 0; i < want; i++) {
				long f = frames_at_time(tl, ta + (double)i / p->fps);
				idx[n++] = f < lo ? lo : f > hi ? hi : f;
			}
		}
		break;
	}
	case FRAME_STI_INTERVAL: {
		long total = windowed ? m : tl->cv_frame_count;
		size_t i;

		if (total <= 0)
			total = m;
		n = frames_sti_indices(total, m, p->count, idx, &out->interval);
		for (i = 0; i < n; i++)
			idx[i] += lo;
		break;
	}
	}
	if (p->force_last) {
		size_t i;
		int found = 0;

		for (i = 0; i < n; i++)
			found |= idx[i] == hi;
		if (!found)
			idx[n++] = hi;
	}
	out->index = idx;
	out->n = n;
	if (p->sampler == FRAME_STI_INTERVAL)
		out->sample_fps = (tl->cv_fps > 0 ? tl->cv_fps : 1.0) / out->interval;
	else if (p->sampler == FRAME_FPS && !capped)
		out->sample_fps = p->fps;
	else
		out->sample_fps = span > 0 ? (double)n / span : 0;
	return 0;
}

/* ---------------------------------------------------------- frame sets */

static void image_dims(struct frame_image *img)
{
	const unsigned char *d = img->data;
	size_t n = img->size, i;

	if (n >= 24 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8) && !memcmp(d + 12, "IHDR", 4)) {
		img->width = (int)((uint32_t)d[16] << 24 | (uint32_t)d[17] << 16 | (uint32_t)d[18] << 8 | d[19]);
		img->height = (int)((uint32_t)d[20] << 24 | (uint32_t)d[21] << 16 | (uint32_t)d[22] << 8 | d[23]);
		return;
	}
	if (n < 4 || d[0] != 0xFF || d[1] != 0xD8)
		return;
	/* walk the JPEG markers to a start-of-frame */
	for (i = 2; i + 9 < n;) {
		unsigned m, len;

		if (d[i] != 0xFF) {
			i++;
			continue;
		}
		m = d[i + 1];
		if (m == 0xFF) {
			i++;
			continue;
		}
		if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
			i += 2;
			continue;
		}
		len = (unsigned)d[i + 2] << 8 | d[i + 3];
		if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
			img->height = (int)((unsigned)d[i + 5] << 8 | d[i + 6]);
			img->width = (int)((unsigned)d[i + 7] << 8 | d[i + 8]);
			return;
		}
		if (m == 0xDA || len < 2)
			return;
		i += 2 + len;
	}
}

const char *frame_mime_of(const unsigned char *d, size_t n)
{
	if (n >= 8 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8))
		return "image/png";
	if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
		return "image/jpeg";
	if (n >= 6 && (!memcmp(d, "GIF87a", 6) || !memcmp(d, "GIF89a", 6)))
		return "image/gif";
	if (n >= 12 && !memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WEBP", 4))
		return "image/webp";
	return NULL;
}

void frame_image_set(struct frame_image *img, unsigned char *data, size_t size, const char *mime)
{
	img->data = data;
	img->size = size;
	img->mime = mime;
	{
		struct buf b = BUF_INIT_MAX(SIZE_MAX / 2);
		b64_encode(data, size, &b);       /* never over its cap */
		img->b64 = buf_detach(&b, &img->b64_len);
	}
	sha256_hex(data, size, img->sha256);
	if (!img->width || !img->height)
		image_dims(img);
}

void frame_image_release(struct frame_image *img)
{
	free(img->data);
	free(img->b64);
	memset(img, 0, sizeof(*img));
}

#define IMAGE_MAX ((size_t)256 << 20)

int frame_image_load(struct frame_image *img, const char *path)
{
	struct buf b = BUF_INIT_MAX(IMAGE_MAX);
	const char *mime;
	size_t len;
	char *data;

	memset(img, 0, sizeof(*img));
	img->index = -1;
	img->pts = -1;
	if (read_file(path, &b) < 0) {
		buf_release(&b);
		return -1;
	}
	mime = frame_mime_of((const unsigned char *)b.data, b.len);
	if (!mime) {
		buf_release(&b);
		return error("'%s': not a PNG, JPEG, GIF or WebP image", path);
	}
	data = buf_detach(&b, &len);
	frame_image_set(img, (unsigned char *)data, len, mime);
	return 0;
}

struct frameset *frameset_new(void)
{
	struct frameset *fs = xcalloc(1, sizeof(*fs));

	fs->refs = 1;
	return fs;
}

struct frameset *frameset_ref(struct frameset *fs)
{
	if (fs)
		__atomic_add_fetch(&fs->refs, 1, __ATOMIC_RELAXED);
	return fs;
}

void frameset_unref(struct frameset *fs)
{
	size_t i;

	if (!fs || __atomic_sub_fetch(&fs->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	for (i = 0; i < fs->nimages; i++)
		frame_image_release(&fs->images[i]);
	free(fs->images);
	free(fs->frames);
	free(fs->plan);
	free(fs);
}

size_t frameset_bytes(const struct frameset *fs)
{
	size_t i, n = sizeof(*fs) + fs->nframes * sizeof(*fs->frames);

	for (i = 0; i < fs->nimages; i++)
		n += sizeof(fs->images[i]) + fs->images[i].size + fs->images[i].b64_len + 1;
	return n;
}

void frames_write_json(struct jw *w, const struct frameset *fs)
{
	size_t i;

	jw_arr(w);
	for (i = 0; i < fs->nframes; i++) {
		jw_obj(w);
		jw_key(w, "index");
		jw_int(w, fs->frames[i].index);
		jw_key(w, "pts");
		jw_num(w, fs->frames[i].pts);
		jw_key(w, "sha256");
		jw_str(w, frameset_image(fs, i)->sha256);
		jw_end(w);
	}
	jw_end(w);
}

void frames_json(const struct frameset *fs, struct buf *out)
{
	struct jw w;

	jw_init(&w, out, 0);
	frames_write_json(&w, fs);
}

static void write_meta(struct jw *w, const struct frame_meta *m)
{
	jw_obj(w);
	jw_key(w, "width");
	jw_int(w, m->width);
	jw_key(w, "height");
	jw_int(w, m->height);
	jw_key(w, "rotation");
	jw_int(w, m->rotation);
	jw_key(w, "frame_count");
	jw_int(w, m->frame_count);
	jw_key(w, "duration");
	jw_num(w, m->duration);
	jw_key(w, "fps");
	jw_num(w, m->fps);
	jw_key(w, "cv_fps");
	jw_num(w, m->cv_fps);
	jw_key(w, "cv_frame_count");
	jw_int(w, m->cv_frame_count);
	jw_key(w, "cv_duration");
	jw_num(w, m->cv_duration);
	jw_key(w, "sample_fps");
	jw_num(w, m->sample_fps);
	if (m->interval) {
		jw_key(w, "interval");
		jw_int(w, m->interval);
	}
	jw_key(w, "codec");
	jw_str(w, m->codec);
	jw_key(w, "timing");
	jw_str(w, m->timing ? "container" : "decoder");
	jw_end(w);
}

void frames_image_name(const struct frameset *fs, int image, struct buf *out)
{
	const struct frame_image *img = &fs->images[image];

	buf_addf(out, "frame_%03d.%s", image, img->mime && !strcmp(img->mime, "image/png") ? "png" : "jpg");
}

void frameset_write_index(struct jw *w, const struct frameset *fs, int with_files)
{
	const struct frame_stats *s = &fs->stats;
	size_t i;

	jw_obj(w);
	jw_key(w, "video_sha256");
	jw_str(w, fs->video_sha256);
	jw_key(w, "plan");
	jw_raw(w, fs->plan ? fs->plan : "null");
	jw_key(w, "window");
	if (fs->window.has) {
		jw_arr(w);
		jw_num(w, fs->window.t_start);
		jw_num(w, fs->window.t_end);
		jw_end(w);
	} else {
		jw_null(w);
	}
	jw_key(w, "meta");
	write_meta(w, &fs->meta);
	jw_key(w, "stats");
	jw_obj(w);
	jw_key(w, "packets");
	jw_int(w, s->packets);
	jw_key(w, "decoded");
	jw_int(w, s->decoded);
	jw_key(w, "skipped");
	jw_int(w, s->skipped);
	jw_key(w, "seeks");
	jw_int(w, s->seeks);
	jw_key(w, "corrupt");
	jw_int(w, s->corrupt);
	jw_key(w, "damaged");
	jw_int(w, s->damaged);
	jw_key(w, "substituted");
	jw_int(w, s->substituted);
	jw_key(w, "seconds");
	jw_num(w, round(s->seconds * 1e6) / 1e6);
	jw_key(w, "index_seconds");
	jw_num(w, round(s->index_seconds * 1e6) / 1e6);
	jw_end(w);
	jw_key(w, "frames");
	jw_arr(w);
	for (i = 0; i < fs->nframes; i++) {
		const struct frame_image *img = frameset_image(fs, i);

		jw_obj(w);
		jw_key(w, "index");
		jw_int(w, fs->frames[i].index);
		jw_key(w, "pts");
		jw_num(w, fs->frames[i].pts);
		jw_key(w, "image");
		jw_int(w, fs->frames[i].image);
		if (with_files) {
			struct buf f = BUF_INIT;
			frames_image_name(fs, fs->frames[i].image, &f);
			jw_key(w, "file");
			jw_str(w, buf_cstr(&f));
			buf_release(&f);
		}
		jw_key(w, "sha256");
		jw_str(w, img->sha256);
		jw_key(w, "pixels");
		jw_str(w, img->pixels);
		jw_key(w, "width");
		jw_int(w, img->width);
		jw_key(w, "height");
		jw_int(w, img->height);
		jw_key(w, "bytes");
		jw_int(w, (long long)img->size);
		jw_end(w);
	}
	jw_end(w);
	jw_end(w);
}
