/*
 * frameplan.h: frame plans and selection (frameplan.c): pure, no FFmpeg.
 *
 * A frame plan (struct frame_plan) is the protocol's "frames" object of a
 * suite spec, parsed and validated; a canonical text and hash of it key
 * the frame cache and go into run manifests. Selection computes, from the
 * stream facts of a video (struct frame_timeline), which frames a plan
 * picks. These functions are what the unit tests check against numpy;
 * docs/frames.md gives the exact semantics of every sampler. The decode
 * stage (decode.h) consumes a plan; nothing here calls back into it.
 */
#ifndef STEVAL_FRAMES_PLAN_H
#define STEVAL_FRAMES_PLAN_H

#include "lib/common.h"
#include "lib/json.h"

struct buf;

/* ---------------------------------------------------------------- plans */

enum frame_sampler {
	FRAME_UNIFORM,        /* np.linspace(0, n-1, N, dtype=int) over the frames */
	FRAME_UNIFORM_ROUND,  /* the same, rounded half to even (qwen-vl-utils) */
	FRAME_UNIFORM_TIME,   /* N times at segment centres -> frame shown then */
	FRAME_FPS,            /* one frame per 1/fps s, at most max_count */
	FRAME_STI_INTERVAL,   /* STI-Bench openai_test.py get_frame() */
};

enum frame_format { FRAME_JPEG, FRAME_PNG };

struct frame_plan {
	enum frame_sampler sampler;   /* default uniform */
	int count;                    /* N, default 32 */
	double fps;                   /* fps sampler: frames per second, default 1 */
	int max_count;                /* fps sampler cap, default 32 */
	int window;                   /* honour the item's [t_start, t_end], default 0 */
	int force_last;               /* append the last frame if missing, default 0 */
	int max_side;                 /* 0: no limit (pixels of the longer side) */
	long max_pixels;              /* 0: no limit (width x height) */
	enum frame_format format;     /* default jpeg */
	int quality;                  /* JPEG quality 1..100 (libjpeg scale), default 95 */
	int rgb_swap;                 /* swap red and blue (STI openai_test.py), default 0 */
};

void frame_plan_init(struct frame_plan *p);          /* the defaults above */
/*
 * Parse a "frames" object over the defaults already in *p (so a protocol
 * can inherit and override key by key: call frame_plan_init once, then
 * parse each layer). obj NULL leaves *p as it is. Unknown keys, wrong types
 * and out-of-range values are errors naming `where` and the key.
 */
int frame_plan_parse(struct frame_plan *p, const cJSON *obj, const char *where);
/* The canonical JSON text of a plan (fixed key order, only the keys that
 * matter for its sampler and format): part of cache keys and manifests. */
void frame_plan_canonical(const struct frame_plan *p, struct buf *out);
/* sha256 hex of the canonical text. */
void frame_plan_hash(const struct frame_plan *p, char hex[65]);
const char *frame_sampler_name(enum frame_sampler s);
int frame_sampler_parse(const char *name, enum frame_sampler *out);
int frame_format_parse(const char *name, enum frame_format *out);

/* A time window in seconds from the first frame; has = 0: the whole video. */
struct frame_window {
	int has;
	double t_start, t_end;
};

/* ------------------------------------------------------------ selection */

/*
 * What selection needs to know about a video. pts[] are presentation times
 * in seconds from the first frame, ascending, one per frame (frame k is the
 * k-th frame in presentation order, as OpenCV, decord and PyAV count).
 */
struct frame_timeline {
	long n;                 /* frames */
	const double *pts;      /* n entries */
	double duration;        /* seconds */
	double cv_fps;          /* CAP_PROP_FPS */
	long cv_frame_count;    /* CAP_PROP_FRAME_COUNT */
};

struct frame_targets {
	long *index;            /* frame numbers in the order they are sent */
	size_t n;
	int interval;           /* sti-interval: the interval; else 0 */
	double sample_fps;      /* see docs/frames.md */
};

void frame_targets_release(struct frame_targets *t);

/* numpy.linspace(start, stop, num, dtype=int) for num >= 1 (float64 steps,
 * the last value exactly stop, truncation toward zero). out has num slots. */
void frames_linspace(long start, long stop, int num, long *out);
/* The same values rounded half to even instead of truncated. */
void frames_linspace_round(long start, long stop, int num, long *out);
/* STI-Bench: interval = max(1, int(total / count)); the first `count`
 * multiples of it below total that are also below avail. Returns how many
 * were written to out (count slots); *interval receives the interval. */
size_t frames_sti_indices(long total, long avail, int count, long *out, int *interval);
/* The frame shown at time t: the last frame with pts <= t (+1 us), else 0. */
long frames_at_time(const struct frame_timeline *tl, double t);

/*
 * Pick the frames of a plan. On error (an empty video, a window outside
 * it) returns -1 with the reason in err (not printed).
 */
int frames_select(const struct frame_plan *p, const struct frame_timeline *tl,
		  const struct frame_window *w, struct frame_targets *out, struct buf *err);

#endif
