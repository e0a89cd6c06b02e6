/*
 * render.h: prompt templates.
 *
 * Templates use Python's str.format syntax, the way official code builds
 * prompts with f-strings: "{name}" or "{name:FMT}", "{{" and "}}" for
 * literal braces. FMT is ".Nf", ".Ng", "d" or empty, applied to numbers
 * as Python's format() does, or "strip" (steval's own: the text with
 * Python's str.strip(), as lmms-eval's doc["question"].strip()).
 *
 * Names available in a protocol template:
 *   question, options (the rendered option block), letters ("A, B, C, D"),
 *   nopt, id, category, t_start, t_end (str() of the window),
 *   video.duration, video.fps, video.sample_fps, video.frame_count,
 *   frames (number of frames sent) — these need the video's metadata,
 *   any field of the source record or a derived field, and the pseudo
 *   fields $id, $source_id, $stem, $split, $category, $video.
 * In the option format: letter, text, label, index (0-based), number
 * (1-based).
 *
 * All functions append to a caller-owned buffer and report errors naming
 * the item and the template with error().
 */
#ifndef STEVAL_RENDER_H
#define STEVAL_RENDER_H

#include "lib/common.h"

struct buf;
struct item;
struct protocol;

/* Video facts some official prompts print. */
struct render_media {
	int have;               /* 0: unknown (no video at hand) */
	double duration;        /* seconds */
	double fps;             /* as OpenCV's CAP_PROP_FPS reports it */
	double sample_fps;      /* the sampler's effective rate (STI) */
	long frame_count;       /* frames in the video */
	int nframes;            /* frames sent to the model */
};

/* Fields only (raw, derived, pseudo): for ids and media paths. */
int render_fields(const char *tpl, const struct item *it, struct buf *out);

/*
 * The prompt text of an item under a protocol. With media NULL or
 * media->have 0, names that need the video render as "<video.NAME>" when
 * placeholders is set (for `steval show`), else it is an error.
 */
int render_prompt(const struct protocol *p, const struct item *it,
		  const struct render_media *media, int placeholders, struct buf *out);

/* Does the protocol's template for this item print video facts? */
int render_needs_media(const struct protocol *p, const struct item *it);

/* The option block alone (protocol option_format joined by option_join). */
int render_options(const struct protocol *p, const struct item *it, struct buf *out);

#endif
