/*
 * av.c: what every FFmpeg user of harness/frames shares: log routing
 * (libav* messages go to steval's debug log), library versions for
 * manifests, error texts.
 */
#include "lib/common.h"
#include "harness/frames/av.h"
#include "lib/log.h"

#include <pthread.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <libswscale/swscale.h>

/* ------------------------------------------------------------ logging */

static void av_log_cb(void *avcl, int level, const char *fmt, va_list vl)
{
	char line[1024];
	int prefix = 1;
	size_t n;

	if (level > AV_LOG_WARNING || log_get_level() < LOG_DEBUG)
		return;
	av_log_format_line2(avcl, level, fmt, vl, line, sizeof(line), &prefix);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n)
		debugf("ffmpeg: %s", line);
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void global_init(void)
{
	av_log_set_callback(av_log_cb);
}

void frames_global_init(void)
{
	pthread_once(&init_once, global_init);
}

const char *frames_averr(int rc, char *buf, size_t n)
{
	av_strerror(rc, buf, n);
	return buf;
}
