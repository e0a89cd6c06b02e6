/*
 * decode.h: the decode stage (decode.c): open any container libavformat
 * reads, index the video stream with one demux-only pass (presentation
 * times, keyframes), ask the plan which frames it wants (frames_select),
 * decode each wanted frame once -- seeking from the keyframe before a
 * target when that decodes fewer frames than going on, skipping
 * non-reference frames nobody asked for -- and hand it to the encode stage
 * (encode.h). The result is a struct frameset.
 *
 * Errors: functions that can fail return -1 and either print through
 * error() (the plain functions) or, for the *_e variants used by worker
 * threads, put the message into a caller's struct buf without printing.
 * Every message names the video file.
 */
#ifndef STEVAL_FRAMES_DECODE_H
#define STEVAL_FRAMES_DECODE_H

#include "lib/common.h"
#include "suites/frameplan.h"
#include "harness/frames/frameset.h"

struct buf;

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

/* Decode the frames of a plan. *out is a new set (refs 1). */
int frames_extract(const char *path, const struct frame_plan *p, const struct frame_window *w,
		   const struct frame_opts *o, struct frameset **out);
int frames_extract_e(const char *path, const struct frame_plan *p, const struct frame_window *w,
		     const struct frame_opts *o, struct frameset **out, struct buf *err);

#endif
