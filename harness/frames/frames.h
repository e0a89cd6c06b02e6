/*
 * frames.h: video frames for the model, sampled exactly as official code
 * samples them, decoded once per (video, plan, window), shared by reference.
 *
 * Three layers:
 *
 *   1. Frame plans (struct frame_plan): the protocol's "frames" object of a
 *      suite spec, parsed and validated; a canonical text and hash of it key
 *      the frame cache and go into run manifests. docs/frames.md gives the
 *      exact semantics of every sampler.
 *
 *   2. Selection (pure, no FFmpeg): given a video's timeline (frame count,
 *      presentation times, OpenCV-style count and rate) a plan picks frame
 *      numbers. These functions are what the unit tests check against numpy.
 *
 *   3. Extraction (FFmpeg, all in frames.c): open any container libavformat
 *      reads, index the video stream with one demux-only pass (presentation
 *      times, keyframes), decode each wanted frame once -- seeking from the
 *      keyframe before a target when that decodes fewer frames than going
 *      on, skipping non-reference frames nobody asked for -- then scale,
 *      rotate upright (display matrix) and encode JPEG (libavcodec mjpeg,
 *      full range, libjpeg quality tables) or PNG straight from the decoded
 *      frame. The result is a struct frameset.
 *
 * Frame sets are immutable once built and reference counted: every question
 * on one video shares one set (frameset_ref/frameset_unref are thread-safe).
 * Each distinct image is stored once (bytes, base64 text, sha256), so
 * adapters memcpy the base64 into request bodies and retries encode nothing.
 *
 * The disk cache is in fcache.h, the worker pool in fpool.h.
 *
 * Errors: functions that can fail return -1 and either print through
 * error() (the plain functions) or, for the *_e variants used by worker
 * threads, put the message into a caller's struct buf without printing.
 * Every message names the video file (or the plan's `where`).
 */
#ifndef STEVAL_FRAMES_H
#define STEVAL_FRAMES_H

#include "lib/common.h"
#include "lib/json.h"

struct buf;
struct jw;

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

/* ---------------------------------------------------------- frame sets */

/* One encoded image. All fields owned by the image. */
struct frame_image {
	unsigned char *data;    /* encoded bytes */
	size_t size;
	char *b64;              /* base64 of data, NUL-terminated */
	size_t b64_len;
	const char *mime;       /* static string: "image/jpeg", "image/png" */
	char sha256[65];        /* of data */
	char pixels[17];        /* 64-bit hash of the raw pixels as encoded, hex; "" if unknown */
	int width, height;
	long long index;        /* frame number; -1 for images that are not frames */
	double pts;             /* seconds (absolute presentation time); -1 if none */
};

/* Take ownership of data (malloc'ed), compute base64 and sha256. */
void frame_image_set(struct frame_image *img, unsigned char *data, size_t size,
		     const char *mime);
void frame_image_release(struct frame_image *img);
/* Load an image file (PNG, JPEG, WebP, GIF by magic; anything else is an
 * error) unchanged: for extra images such as R4D's Set-of-Mark PNG. */
int frame_image_load(struct frame_image *img, const char *path);
const char *frame_mime_of(const unsigned char *data, size_t size);  /* NULL if unknown */

/* Facts about the video the prompt templates may print. */
struct frame_meta {
	int width, height;      /* displayed size (rotation applied), before scaling */
	int rotation;           /* degrees clockwise applied to make it upright */
	long frame_count;       /* frames (see docs/frames.md: packets in the stream) */
	double duration;        /* seconds, first frame to the end of the last */
	double fps;             /* avg_frame_rate (0 unknown) */
	double cv_fps;          /* as OpenCV's CAP_PROP_FPS reports it */
	long cv_frame_count;    /* as OpenCV's CAP_PROP_FRAME_COUNT reports it */
	double cv_duration;     /* cv_frame_count / cv_fps (VLM4D's duration) */
	double sample_fps;      /* the sampler's rate (STI: cv_fps / interval) */
	int interval;           /* sti-interval only */
	char codec[32];         /* decoder name */
	int timing;             /* 1: container timestamps, 0: decoder order */
};

/* How the extraction went (not part of the content). */
struct frame_stats {
	long packets;           /* video packets read in the decode phase */
	long decoded;           /* frames the decoder returned */
	long skipped;           /* non-reference packets sent with skip_frame */
	int seeks;
	long corrupt;           /* packets the demuxer or decoder rejected */
	long damaged;           /* frames flagged corrupt by the decoder */
	int substituted;        /* targets replaced by the nearest decodable frame */
	double seconds;         /* wall time of open + index + decode + encode */
	double index_seconds;   /* of which the demux-only pass */
};

struct frame_ref {
	long long index;        /* frame number actually delivered */
	double pts;             /* seconds */
	int image;              /* index into images[] */
};

struct frameset {
	int refs;                       /* atomic; see frameset_ref */
	char video_sha256[65];          /* content id ("" when not known) */
	char *plan;                     /* canonical plan text */
	struct frame_window window;     /* the window actually applied */
	struct frame_meta meta;
	struct frame_stats stats;
	struct frame_ref *frames;       /* in the order they are sent (duplicates allowed) */
	size_t nframes;
	struct frame_image *images;     /* distinct images */
	size_t nimages;
};

struct frameset *frameset_new(void);            /* refs = 1, empty */
struct frameset *frameset_ref(struct frameset *fs);
void frameset_unref(struct frameset *fs);       /* frees at zero; NULL is fine */
static inline const struct frame_image *frameset_image(const struct frameset *fs, size_t i)
{
	return &fs->images[fs->frames[i].image];
}
size_t frameset_bytes(const struct frameset *fs);   /* memory held, roughly */

/*
 * The record of what a sample was given, for samples.jsonl:
 *   [{"index": 12, "pts": 0.4, "sha256": "..."}, ...]
 * frames_json() writes the text into out (for struct sample.frames_json);
 * frames_write_json() writes the same value with a jw writer.
 */
void frames_json(const struct frameset *fs, struct buf *out);
void frames_write_json(struct jw *w, const struct frameset *fs);
/* Everything: {"video_sha256", "plan", "window", "meta", "stats", "frames"
 * [{index, pts, image, file?, sha256, pixels, width, height, bytes}]}; with
 * with_files each frame names its image file (frames_image_name). */
void frameset_write_index(struct jw *w, const struct frameset *fs, int with_files);
/* "frame_007.jpg": the file name of distinct image 7 of a set. */
void frames_image_name(const struct frameset *fs, int image, struct buf *out);

/* ------------------------------------------------------------ extraction */

enum frame_strategy {
	FRAME_STRATEGY_AUTO,       /* seek or go on, per target: fewest frames */
	FRAME_STRATEGY_SEQUENTIAL, /* one pass from the start, no skipping */
	FRAME_STRATEGY_SEEK,       /* seek before every target (testing) */
};

struct frame_opts {
	int threads;                     /* decoder threads; 0: twice the cores (at most 16) */
	enum frame_strategy strategy;
	const int *cancel;               /* when it becomes non-zero, stop with an error */
};

/* One-time library setup (log routing); called by the extract functions. */
void frames_global_init(void);
/* Decode the frames of a plan. *out is a new set (refs 1). */
int frames_extract(const char *path, const struct frame_plan *p, const struct frame_window *w,
		   const struct frame_opts *o, struct frameset **out);
int frames_extract_e(const char *path, const struct frame_plan *p, const struct frame_window *w,
		     const struct frame_opts *o, struct frameset **out, struct buf *err);

/*
 * A small JPEG of an image of a set (JPEG or PNG), for report.html: fits
 * inside max_side (never enlarged), area-averaged, quality ~85. out is
 * replaced by the JPEG bytes. 0, or -1 with the reason in err.
 */
int frames_thumbnail_e(const struct frame_image *img, int max_side, struct buf *out, struct buf *err);

/* Library versions, for manifests: "lavf 59.27.100, lavc 59.37.100, ..." */
const char *frames_lib_versions(void);

#endif
