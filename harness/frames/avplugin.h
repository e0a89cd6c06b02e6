/*
 * avplugin.h: the interface between the steval binary and its FFmpeg
 * plugin, libsteval-av.so.
 *
 * Everything that calls libavformat, libavcodec, libswscale or libavutil
 * (av.c, decode.c, encode.c, probe.c, and avplugin.c, which fills the
 * table below) is built into the plugin, not into the binary: loading
 * FFmpeg and what it pulls in (x264, vpx, dav1d, ...) costs tens of
 * milliseconds at every start, and most commands (score, report, list,
 * leaderboard) never decode a picture. The binary links avload.c instead,
 * which defines the same public functions (frames_extract_e,
 * frames_thumbnail_e, frames_global_init, media_probe) and forwards them
 * through this table once dlopen() has found the plugin. Unit tests and
 * benchmarks link the real objects and no shim.
 *
 * The plugin calls back into the binary (buf, log, plan and frameset
 * functions); the binary exports exactly the symbols the plugin needs
 * (a dynamic list the Makefile makes from the plugin's undefined symbols).
 * Both sides are built from one tree: the table carries an ABI number, its
 * own size, the sizes of the structures passed across and the build
 * ("VERSION GIT"); the binary refuses a plugin that differs in any.
 */
#ifndef STEVAL_FRAMES_AVPLUGIN_H
#define STEVAL_FRAMES_AVPLUGIN_H

#include "lib/common.h"

struct buf;
struct frame_plan;
struct frame_window;
struct frame_opts;
struct frameset;
struct frame_image;
struct render_media;

#define STEVAL_AV_ABI 1
#define STEVAL_AV_PLUGIN_NAME "libsteval-av.so"
#define STEVAL_AV_ENTRY "steval_av_plugin"   /* const struct steval_av_api *(void) */

/* The sizes of what crosses the boundary, in this order. */
#define STEVAL_AV_SIZES { sizeof(struct buf), sizeof(struct frame_plan), \
			  sizeof(struct frame_window), sizeof(struct frame_opts), \
			  sizeof(struct frame_image), sizeof(struct render_media) }
#define STEVAL_AV_NSIZES 6

struct steval_av_api {
	unsigned int abi;                        /* STEVAL_AV_ABI */
	unsigned int size;                       /* sizeof(struct steval_av_api) */
	const char *build;                       /* "VERSION GIT" the plugin was built from */
	size_t sizes[STEVAL_AV_NSIZES];          /* STEVAL_AV_SIZES as the plugin saw them */
	void (*global_init)(void);
	int (*extract_e)(const char *path, const struct frame_plan *p, const struct frame_window *w,
			 const struct frame_opts *o, struct frameset **out, struct buf *err);
	int (*thumbnail_e)(const struct frame_image *img, int max_side, struct buf *out,
			   struct buf *err);
	int (*probe)(const char *path, struct render_media *out);
};

typedef const struct steval_av_api *steval_av_entry_fn(void);

/* The plugin's one exported function (avplugin.c). */
const struct steval_av_api *steval_av_plugin(void);

#endif
