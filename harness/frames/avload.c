/*
 * avload.c: the binary's side of the FFmpeg plugin (avplugin.h). Defines
 * the public functions of the FFmpeg-calling objects -- frames_extract(),
 * frames_extract_e(), frames_thumbnail_e() (decode.h, encode.h),
 * frames_global_init() (av.h), media_probe() (media.h) -- and forwards
 * them to libsteval-av.so, which it loads on first use:
 *
 *   1. $STEVAL_AV_PLUGIN, when set (and then only that file);
 *   2. libsteval-av.so next to the executable (/proc/self/exe);
 *   3. STEVAL_LIBDIR/libsteval-av.so ($(PREFIX)/lib/steval, `make install`).
 *
 * A plugin that cannot be found or loaded, or that was built from another
 * tree, is an error only when frames are wanted; the message names every
 * path tried and why each failed. Linked only into the binary: unit tests
 * and benchmarks link decode.c and the rest directly.
 */
#include "lib/common.h"
#include "harness/frames/avplugin.h"
#include "harness/frames/av.h"
#include "harness/frames/decode.h"
#include "harness/frames/encode.h"
#include "adapters/media.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "suites/render.h"

#include <dlfcn.h>
#include <pthread.h>
#include <unistd.h>

#ifndef STEVAL_LIBDIR
#define STEVAL_LIBDIR "/usr/local/lib/steval"
#endif

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static const struct steval_av_api *api;
static struct buf why = BUF_INIT;   /* when api is NULL: the paths tried and what failed */

/* Try one file; 0 with api set, or -1 with the reason added to why. */
static int try_plugin(const char *path)
{
	static const size_t want[STEVAL_AV_NSIZES] = STEVAL_AV_SIZES;
	const struct steval_av_api *a;
	steval_av_entry_fn *entry;
	char build[128];
	void *h;
	size_t i;

	if (why.len)
		buf_adds(&why, "; ");
	buf_adds(&why, path);
	if (access(path, F_OK) != 0) {
		buf_adds(&why, " (no such file)");
		return -1;
	}
	/* A file refused below stays mapped (RTLD_LOCAL, never called): closing
	 * it would unload the FFmpeg libraries it brought in, and what their
	 * start-up allocated would be reported as leaked by a leak check. */
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		buf_addf(&why, " (%s)", dlerror());
		return -1;
	}
	*(void **)&entry = dlsym(h, STEVAL_AV_ENTRY);
	a = entry ? entry() : NULL;
	snprintf(build, sizeof(build), "%s %s", steval_version(), steval_git());
	if (!a || a->abi != STEVAL_AV_ABI || a->size != sizeof(*a)) {
		buf_addf(&why, " (not a steval FFmpeg plugin of interface %d)", STEVAL_AV_ABI);
		return -1;
	}
	if (strcmp(a->build, build) != 0) {
		buf_addf(&why, " (built from steval %s, this binary is %s)", a->build, build);
		return -1;
	}
	for (i = 0; i < STEVAL_AV_NSIZES; i++)
		if (a->sizes[i] != want[i]) {
			buf_addf(&why, " (structure %zu differs in size: %zu, here %zu)", i,
				 a->sizes[i], want[i]);
			return -1;
		}
	api = a;      /* the handle stays open for the life of the process */
	debugf("frames: FFmpeg plugin %s", path);
	return 0;
}

static void load(void)
{
	const char *env = getenv("STEVAL_AV_PLUGIN");
	char exe[4096];
	ssize_t n;

	if (env && *env) {
		try_plugin(env);
		if (!api)
			buf_adds(&why, " [from STEVAL_AV_PLUGIN]");
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		struct buf p = BUF_INIT;
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			buf_addf(&p, "%s/%s", exe, STEVAL_AV_PLUGIN_NAME);
			if (try_plugin(buf_cstr(&p)) == 0) {
				buf_release(&p);
				return;
			}
		}
		buf_release(&p);
	}
	try_plugin(STEVAL_LIBDIR "/" STEVAL_AV_PLUGIN_NAME);
}

/* The loaded table, or NULL with the reason in err (when err is not NULL). */
static const struct steval_av_api *plugin(struct buf *err)
{
	pthread_once(&load_once, load);
	if (!api && err && !err->len)
		buf_addf(err, "video frames need FFmpeg, in the plugin %s, which could not be loaded; "
			 "tried: %s; set STEVAL_AV_PLUGIN to its path",
			 STEVAL_AV_PLUGIN_NAME, buf_cstr(&why));
	return api;
}

void frames_global_init(void)
{
	const struct steval_av_api *a = plugin(NULL);

	if (a)
		a->global_init();
}

int frames_extract_e(const char *path, const struct frame_plan *p, const struct frame_window *w,
		     const struct frame_opts *o, struct frameset **out, struct buf *err)
{
	struct buf e = BUF_INIT;
	const struct steval_av_api *a = plugin(&e);

	if (!a) {
		if (!err->len)
			buf_addf(err, "'%s': %s", path, buf_cstr(&e));
		buf_release(&e);
		return -1;
	}
	return a->extract_e(path, p, w, o, out, err);
}

int frames_extract(const char *path, const struct frame_plan *p, const struct frame_window *w,
		   const struct frame_opts *o, struct frameset **out)
{
	struct buf err = BUF_INIT;
	int rc = frames_extract_e(path, p, w, o, out, &err);

	if (rc < 0)
		error("%s", buf_cstr(&err));
	buf_release(&err);
	return rc;
}

int frames_thumbnail_e(const struct frame_image *img, int max_side, struct buf *out, struct buf *err)
{
	struct buf e = BUF_INIT;
	const struct steval_av_api *a = plugin(&e);

	if (!a) {
		if (!err->len)
			buf_addf(err, "thumbnail: %s", buf_cstr(&e));
		buf_release(&e);
		return -1;
	}
	return a->thumbnail_e(img, max_side, out, err);
}

int media_probe(const char *path, struct render_media *out)
{
	struct buf e = BUF_INIT;
	const struct steval_av_api *a = plugin(&e);
	int rc;

	if (a)
		return a->probe(path, out);
	memset(out, 0, sizeof(*out));
	rc = error("'%s': %s", path, buf_cstr(&e));
	buf_release(&e);
	return rc;
}
