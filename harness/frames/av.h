/*
 * av.h: FFmpeg setup shared by the decode and encode stages (av.c).
 * Nothing here needs an FFmpeg header.
 */
#ifndef STEVAL_FRAMES_AV_H
#define STEVAL_FRAMES_AV_H

#include "lib/common.h"

/* One-time library setup (log routing); called by the extract and
 * thumbnail functions, thread-safe. */
void frames_global_init(void);
/* Library versions, for manifests: "libavformat 59.27.100, ..." (static). */
const char *frames_lib_versions(void);
/* av_strerror() into buf (n bytes); returns buf. */
const char *frames_averr(int rc, char *buf, size_t n);
/* The same into a compound literal, for one message. */
#define FRAMES_AVERR(rc) frames_averr((rc), (char[64]){ 0 }, 64)

#endif
