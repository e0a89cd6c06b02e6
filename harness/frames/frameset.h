/*
 * frameset.h: encoded images and frame sets (frameset.c), the product of
 * an extraction and what adapters send.
 *
 * Frame sets are immutable once built and reference counted: every question
 * on one video shares one set (frameset_ref/frameset_unref are thread-safe).
 * Each distinct image is stored once (bytes, base64 text, sha256), so
 * adapters memcpy the base64 into request bodies and retries encode nothing.
 */
#ifndef STEVAL_FRAMES_FRAMESET_H
#define STEVAL_FRAMES_FRAMESET_H

#include "lib/common.h"
#include "suites/frameplan.h"

struct buf;
struct jw;

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

#endif
