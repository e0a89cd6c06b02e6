/*
 * probe.c: media_probe() (media.h), the video facts some prompts print,
 * read from the container without decoding. Calls libavformat, so it is
 * built into the FFmpeg plugin (avplugin.h).
 */
#include "lib/common.h"
#include "adapters/media.h"
#include "lib/log.h"
#include "suites/render.h"

#include <libavformat/avformat.h>

int media_probe(const char *path, struct render_media *out)
{
	AVFormatContext *fc = NULL;
	int rc, si;
	AVStream *st;

	memset(out, 0, sizeof(*out));
	rc = avformat_open_input(&fc, path, NULL, NULL);
	if (rc < 0)
		return error("'%s': cannot open the video: %s", path, av_err2str(rc));
	rc = avformat_find_stream_info(fc, NULL);
	si = rc < 0 ? -1 : av_find_best_stream(fc, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
	if (si < 0) {
		avformat_close_input(&fc);
		return error("'%s': no video stream", path);
	}
	st = fc->streams[si];
	if (st->avg_frame_rate.num && st->avg_frame_rate.den)
		out->fps = av_q2d(st->avg_frame_rate);
	else if (st->r_frame_rate.num && st->r_frame_rate.den)
		out->fps = av_q2d(st->r_frame_rate);
	if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
		out->duration = (double)st->duration * av_q2d(st->time_base);
	else if (fc->duration != AV_NOPTS_VALUE && fc->duration > 0)
		out->duration = (double)fc->duration / AV_TIME_BASE;
	out->frame_count = st->nb_frames > 0 ? (long)st->nb_frames :
			   (long)(out->duration * out->fps + 0.5);
	out->have = 1;
	avformat_close_input(&fc);
	return 0;
}
