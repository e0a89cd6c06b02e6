/*
 * frameplan.c: frame plans and frame selection: which frames of a video a plan
 * picks, from the stream facts alone (frameplan.h). No FFmpeg.
 */
#include "lib/common.h"
#include "suites/frameplan.h"
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
