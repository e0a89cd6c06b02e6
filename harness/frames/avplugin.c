/*
 * avplugin.c: the entry point of libsteval-av.so (avplugin.h): the table
 * of the FFmpeg-calling functions, with what the binary checks before it
 * uses them. Built only into the plugin.
 */
#include "lib/common.h"
#include "harness/frames/avplugin.h"
#include "harness/frames/av.h"
#include "harness/frames/decode.h"
#include "harness/frames/encode.h"
#include "adapters/media.h"
#include "lib/buf.h"
#include "suites/render.h"

#include "steval_version.h"

const struct steval_av_api *steval_av_plugin(void)
{
	static const struct steval_av_api api = {
		.abi = STEVAL_AV_ABI,
		.size = sizeof(struct steval_av_api),
		.build = STEVAL_VERSION " " STEVAL_GIT,
		.sizes = STEVAL_AV_SIZES,
		.global_init = frames_global_init,
		.extract_e = frames_extract_e,
		.thumbnail_e = frames_thumbnail_e,
		.probe = media_probe,
	};

	return &api;
}
