/*
 * frames.h: video frames for the model, sampled exactly as official code
 * samples them, decoded once per (video, plan, window), shared by reference.
 *
 * The stages, one file each, include one way only:
 *
 *   frameplan.h frame plans and selection: stream facts -> frame numbers
 *               (suites/: pure, part of a protocol, so it lives with them)
 *   frameset.h  encoded images and shared, reference-counted frame sets
 *   decode.h    open, index and decode a video; consumes a plan
 *   encode.h    scale, orient and encode one picture; thumbnails
 *   av.h        FFmpeg setup shared by decode and encode
 *
 * decode -> encode -> frameset -> plan; nothing calls back up.
 * The disk cache is in cache.h, the worker pool in pool.h, request media in
 * adapters/media.h.
 */
#ifndef STEVAL_FRAMES_H
#define STEVAL_FRAMES_H

#include "suites/frameplan.h"
#include "harness/frames/frameset.h"
#include "harness/frames/decode.h"
#include "harness/frames/encode.h"
#include "harness/frames/av.h"

#endif
