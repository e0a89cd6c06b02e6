/*
 * avversion.c: frames_lib_versions() (av.h), the FFmpeg versions for
 * manifests. Read from the headers at compile time, so the binary reports
 * them without loading the FFmpeg plugin.
 */
#include "lib/common.h"
#include "harness/frames/av.h"

#include <libavcodec/version.h>
#include <libavformat/version.h>
#include <libavutil/macros.h>
#include <libavutil/version.h>
#include <libswscale/version.h>

const char *frames_lib_versions(void)
{
	static char s[160];

	if (!s[0])
		snprintf(s, sizeof(s), "libavformat %s, libavcodec %s, libswscale %s, libavutil %s",
			 AV_STRINGIFY(LIBAVFORMAT_VERSION), AV_STRINGIFY(LIBAVCODEC_VERSION),
			 AV_STRINGIFY(LIBSWSCALE_VERSION), AV_STRINGIFY(LIBAVUTIL_VERSION));
	return s;
}
