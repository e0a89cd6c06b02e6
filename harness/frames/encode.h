/*
 * encode.h: the encode stage (encode.c): a decoded picture is scaled to the
 * plan's size limits, turned upright, and encoded JPEG (libjpeg's quality
 * tables, full range) or PNG into a struct frame_image. Also the small JPEG
 * thumbnails of report.html. No container, packet or sampling knowledge:
 * the decode stage feeds it.
 */
#ifndef STEVAL_FRAMES_ENCODE_H
#define STEVAL_FRAMES_ENCODE_H

#include "lib/common.h"
#include "suites/frameplan.h"
#include "harness/frames/frameset.h"

struct buf;
struct AVFrame;
struct AVCodecContext;
struct AVPacket;
struct SwsContext;

/*
 * One encoder per extraction (one thread). It owns its FFmpeg contexts,
 * made again when a picture's size or format changes; path and err are the
 * caller's (messages are "'PATH': ...", the first one kept).
 */
struct frame_encoder {
	const char *path;
	struct buf *err;
	const struct frame_plan *plan;
	int transpose, hflip, vflip;      /* applied after scaling */
	struct SwsContext *sws, *sws2;
	int sws_key[7], sws2_key[7];
	struct AVFrame *conv, *conv2, *rot;
	struct AVCodecContext *enc;
	int enc_w, enc_h;
	struct AVPacket *epkt;
	long long nencoded;
};

void frame_encoder_init(struct frame_encoder *e, const char *path, const struct frame_plan *p,
			struct buf *err);
void frame_encoder_orient(struct frame_encoder *e, int transpose, int hflip, int vflip);
/* Convert, orient and encode one decoded picture (frame ord at pts seconds)
 * into *img (overwritten; the caller releases it). 0 or -1 (reason in err). */
int frame_encoder_encode(struct frame_encoder *e, const struct AVFrame *fr, long ord, double pts,
			 struct frame_image *img);
void frame_encoder_release(struct frame_encoder *e);

/*
 * A small JPEG of an image of a set (JPEG or PNG), for report.html: fits
 * inside max_side (never enlarged), area-averaged, quality ~85. out is
 * replaced by the JPEG bytes. 0, or -1 with the reason in err.
 */
int frames_thumbnail_e(const struct frame_image *img, int max_side, struct buf *out, struct buf *err);

#endif
