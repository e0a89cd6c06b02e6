/*
 * decode.c: the decode stage -- the frames of a plan, read with
 * libavformat/libavcodec and handed one by one to the encode stage
 * (encode.c). The plan (plan.c) has already said which frames from the
 * stream facts; this file only finds and decodes them. FFmpeg is called
 * here, in encode.c and in av.c, nowhere else.
 *
 * An extraction runs in four steps:
 *
 *   1. open: avformat (file protocol only), the best video stream, its
 *      decoder with frame threads; the display matrix gives the rotation.
 *   2. index: one demux-only pass over the video packets (other streams are
 *      discarded, nothing is decoded) records each packet's pts, dts and
 *      keyframe flag in decode order. Sorting the presentation times gives
 *      frame k -> pts -> decode position, and the keyframe each frame needs.
 *      When the container's timestamps cannot be trusted (missing, or not
 *      unique) frames are counted in decoder output order instead.
 *   3. decode: targets are visited in presentation order. Before each one,
 *      when no wanted packet is in flight, the keyframe it needs is compared
 *      with the current position: when it lies more than a few packets
 *      ahead, seek there (and flush); otherwise go on. Packets that are not
 *      wanted are sent with skip_frame = AVDISCARD_NONREF where the codec
 *      implements it exactly (their pictures are references for nobody), so
 *      going on costs only the reference frames. Each decoded frame whose pts
 *      is a target is converted and encoded at once; nothing else is kept.
 *   4. the frames land in a struct frameset in the plan's order.
 *
 * Seeking is verified: the first packet after a seek must be the keyframe
 * wanted or an earlier one; otherwise one more seek with an earlier
 * timestamp, then a rewind and a plain sequential pass.
 */
#include "lib/common.h"
#include "harness/frames/decode.h"
#include "harness/frames/av.h"
#include "harness/frames/encode.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <math.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
/* ------------------------------------------------------------ context */

enum { PK_KEY = 1, PK_DISCARD = 2 };

struct pk {                     /* one video packet, decode order */
	int64_t pts, dts, dur;
	int flags;
};

struct pmap {                   /* pts -> decode position */
	int64_t pts;
	size_t dpos;
};

struct tgt {                    /* one distinct wanted frame */
	long ord;                   /* frame number */
	int64_t pts;                /* timing mode */
	size_t dpos, kf;            /* its packet, the keyframe it needs */
	int sent, done;
	int img;                    /* index into images */
	long got_ord;               /* frame actually delivered */
	double got_pts;
};

struct vctx {
	const char *path;
	struct buf *err;
	const struct frame_plan *plan;
	const struct frame_opts *opts;
	AVFormatContext *fmt;
	AVCodecContext *dec;
	AVStream *st;
	int vidx;
	AVRational tb;
	int can_skip;               /* AVDISCARD_NONREF is exact for this codec */

	/* index */
	struct pk *pk;
	size_t npk, apk;
	struct pmap *pm;            /* all packets with pts, sorted by pts */
	size_t npm;
	int64_t *fpts;              /* frames: pts sorted (timing) */
	size_t *fdpos;              /* frames: decode position */
	long nf;
	double *rel;                /* frames: seconds from the first frame */
	int timing;
	int64_t origin;
	double fps_guess;

	/* orientation */
	int transpose, hflip, vflip, rotation;

	struct frame_encoder enc;   /* the encode stage (encode.c) */

	struct tgt *tg;
	size_t ntg;
	struct frame_image *images;
	size_t nimages, aimages;
	int64_t last_img_pts;       /* to share an image between substitutes */
	int last_img;
	struct frame_stats stats;
};

static int fail(struct vctx *v, const char *fmt, ...) PRINTF_LIKE(2, 3);

static int cancelled(const struct vctx *v)
{
	return v->opts && v->opts->cancel && __atomic_load_n(v->opts->cancel, __ATOMIC_RELAXED);
}

static int fail(struct vctx *v, const char *fmt, ...)
{
	va_list ap;

	if (v->err->len)      /* keep the first reason */
		return -1;
	buf_addf(v->err, "'%s': ", v->path);
	va_start(ap, fmt);
	buf_vaddf(v->err, fmt, ap);
	va_end(ap);
	return -1;
}

#define AVERR(rc) FRAMES_AVERR(rc)

static double ts_sec(const struct vctx *v, int64_t ts)
{
	if (v->tb.den <= 0)
		return 0;
	if (ts > -((int64_t)1 << 40) && ts < ((int64_t)1 << 40) && v->tb.num < (1 << 20))
		return (double)(ts * v->tb.num) / v->tb.den;
	return (double)ts * v->tb.num / v->tb.den;
}

/* ------------------------------------------------------------ open */

static int ncores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

static void read_orientation(struct vctx *v)
{
	const int32_t *m = (const int32_t *)av_stream_get_side_data(v->st, AV_PKT_DATA_DISPLAYMATRIX, NULL);
	double theta;

	if (!m)
		return;
	/* as ffmpeg's command line applies it (fftools, with flips) */
	theta = -round(av_display_rotation_get(m));
	if (isnan(theta))
		return;
	theta -= 360 * floor(theta / 360 + 0.9 / 360);
	if (fabs(theta - 90) < 1.0) {
		v->transpose = 1;
		if (m[3] > 0) {            /* cclock_flip: transpose only */
		} else {                   /* clock */
			v->hflip = 1;
		}
		v->rotation = 90;
	} else if (fabs(theta - 180) < 1.0) {
		v->hflip = m[0] < 0;
		v->vflip = m[4] < 0;
		v->rotation = 180;
	} else if (fabs(theta - 270) < 1.0) {
		v->transpose = 1;
		if (m[3] < 0) {            /* clock_flip */
			v->hflip = 1;
			v->vflip = 1;
		} else {                   /* cclock */
			v->vflip = 1;
		}
		v->rotation = 270;
	} else if (fabs(theta) < 1.0) {
		v->vflip = m[4] < 0;
	} else {
		debugf("'%s': rotation by %g degrees is not applied", v->path, theta);
	}
}

static int can_skip_nonref(enum AVCodecID id)
{
	/* codecs whose non-reference pictures are referenced by nobody: skipping
	 * them changes no other picture (HEVC sub-layer non-reference pictures
	 * may be referenced by higher temporal layers, so HEVC is not here) */
	switch (id) {
	case AV_CODEC_ID_H264:
	case AV_CODEC_ID_MPEG4:
	case AV_CODEC_ID_MPEG1VIDEO:
	case AV_CODEC_ID_MPEG2VIDEO:
	case AV_CODEC_ID_VP8:
	case AV_CODEC_ID_VP9:
		return 1;
	default:
		return 0;
	}
}

static void close_input(struct vctx *v)
{
	avcodec_free_context(&v->dec);
	avformat_close_input(&v->fmt);
	v->st = NULL;
}

static int open_input(struct vctx *v)
{
	AVDictionary *o = NULL;
	const AVCodec *codec = NULL;
	unsigned i;
	int rc;

	av_dict_set(&o, "protocol_whitelist", "file", 0);
	rc = avformat_open_input(&v->fmt, v->path, NULL, &o);
	av_dict_free(&o);
	if (rc < 0)
		return fail(v, "cannot open: %s", AVERR(rc));
	rc = avformat_find_stream_info(v->fmt, NULL);
	if (rc < 0)
		return fail(v, "cannot read stream information: %s", AVERR(rc));
	/* the first video stream, as OpenCV and PyAV's streams.video[0] take it
	 * (av_find_best_stream would prefer the largest) */
	rc = -1;
	for (i = 0; i < v->fmt->nb_streams; i++) {
		const AVStream *s = v->fmt->streams[i];
		if (s->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
		    !(s->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
			rc = (int)i;
			break;
		}
	}
	if (rc < 0)
		return fail(v, "no video stream");
	codec = avcodec_find_decoder(v->fmt->streams[rc]->codecpar->codec_id);
	if (!codec)
		return fail(v, "no decoder for the video stream (%s)",
			    avcodec_get_name(v->fmt->streams[rc]->codecpar->codec_id));
	v->vidx = rc;
	v->st = v->fmt->streams[rc];
	v->tb = v->st->time_base;
	for (i = 0; i < v->fmt->nb_streams; i++)
		if ((int)i != v->vidx)
			v->fmt->streams[i]->discard = AVDISCARD_ALL;
	if (v->tb.num <= 0 || v->tb.den <= 0)
		return fail(v, "the video stream has no time base");
	v->dec = avcodec_alloc_context3(codec);
	if (!v->dec)
		return fail(v, "out of memory");
	rc = avcodec_parameters_to_context(v->dec, v->st->codecpar);
	if (rc < 0)
		return fail(v, "bad codec parameters: %s", AVERR(rc));
	/* default: twice the cores -- a deeper frame-thread pipeline measured
	 * 10-15% faster on 2 cores (docs/PERFORMANCE.md) */
	v->dec->thread_count = v->opts && v->opts->threads > 0 ? v->opts->threads
			       : (2 * ncores() > 16 ? 16 : 2 * ncores());
	v->dec->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
	v->dec->pkt_timebase = v->tb;
	rc = avcodec_open2(v->dec, codec, NULL);
	if (rc < 0)
		return fail(v, "cannot open the %s decoder: %s", codec->name, AVERR(rc));
	v->can_skip = can_skip_nonref(codec->id);
	return 0;
}

/* ------------------------------------------------------------ index */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_pmap(const void *a, const void *b)
{
	const struct pmap *x = a, *y = b;
	return x->pts < y->pts ? -1 : x->pts > y->pts ? 1 : (x->dpos > y->dpos) - (x->dpos < y->dpos);
}

static long pmap_find(const struct vctx *v, int64_t pts)
{
	size_t lo = 0, hi = v->npm;

	if (pts == AV_NOPTS_VALUE)
		return -1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v->pm[mid].pts < pts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < v->npm && v->pm[lo].pts == pts ? (long)v->pm[lo].dpos : -1;
}

#define MAX_READ_ERRORS 64

static int build_index(struct vctx *v)
{
	AVPacket *pkt = av_packet_alloc();
	size_t i, k0 = 0, nf = 0;
	int errs = 0, rc, have_key = 0, no_b;
	double t0 = mono_now();

	if (!pkt)
		return fail(v, "out of memory");
	for (;;) {
		if (cancelled(v)) {
			av_packet_free(&pkt);
			return fail(v, "cancelled");
		}
		rc = av_read_frame(v->fmt, pkt);
		if (rc == AVERROR(EAGAIN))
			continue;
		if (rc == AVERROR_EOF)
			break;
		if (rc < 0) {
			v->stats.corrupt++;
			if (++errs > MAX_READ_ERRORS || (v->fmt->pb && avio_feof(v->fmt->pb)))
				break;
			continue;
		}
		errs = 0;
		if (pkt->stream_index == v->vidx) {
			struct pk *p;

			ALLOC_GROW(v->pk, v->npk + 1, v->apk);
			p = &v->pk[v->npk++];
			p->pts = pkt->pts;
			p->dts = pkt->dts;
			p->dur = pkt->duration;
			p->flags = (pkt->flags & AV_PKT_FLAG_KEY ? PK_KEY : 0) |
				   (pkt->flags & AV_PKT_FLAG_DISCARD ? PK_DISCARD : 0);
			if (pkt->flags & AV_PKT_FLAG_CORRUPT)
				v->stats.corrupt++;
		}
		av_packet_unref(pkt);
	}
	av_packet_free(&pkt);
	v->stats.index_seconds = mono_now() - t0;
	if (!v->npk)
		return fail(v, "the video stream has no packets");

	/* frames start at the first keyframe: a decoder shows nothing before it */
	for (i = 0; i < v->npk; i++)
		if (v->pk[i].flags & PK_KEY) {
			k0 = i;
			have_key = 1;
			break;
		}
	if (!have_key)
		k0 = 0;

	/* without B-frames a missing pts is the dts */
	no_b = v->st->codecpar->video_delay == 0 && v->dec->has_b_frames == 0;
	v->timing = 1;
	v->pm = xcalloc(v->npk, sizeof(*v->pm));
	for (i = 0; i < v->npk; i++) {
		struct pk *p = &v->pk[i];

		if (p->pts == AV_NOPTS_VALUE && no_b)
			p->pts = p->dts;
		if (p->pts != AV_NOPTS_VALUE) {
			v->pm[v->npm].pts = p->pts;
			v->pm[v->npm++].dpos = i;
		}
		if (i >= k0 && !(p->flags & PK_DISCARD)) {
			nf++;
			if (p->pts == AV_NOPTS_VALUE)
				v->timing = 0;
		}
	}
	if (!nf)
		return fail(v, "the video stream has no frames");
	qsort(v->pm, v->npm, sizeof(*v->pm), cmp_pmap);
	for (i = 1; i < v->npm; i++)
		if (v->pm[i].pts == v->pm[i - 1].pts)
			v->timing = 0;    /* two packets share a pts: trust the decoder's order */

	v->nf = (long)nf;
	v->fpts = xcalloc(nf, sizeof(*v->fpts));
	v->fdpos = xcalloc(nf, sizeof(*v->fdpos));
	v->rel = xcalloc(nf, sizeof(*v->rel));
	{
		AVRational fr = v->st->avg_frame_rate;
		if (fr.num <= 0 || fr.den <= 0)
			fr = v->st->r_frame_rate;
		v->fps_guess = fr.num > 0 && fr.den > 0 ? av_q2d(fr) : 25.0;
	}
	if (v->timing) {
		size_t j = 0;
		for (i = k0; i < v->npk; i++)
			if (!(v->pk[i].flags & PK_DISCARD))
				v->fpts[j++] = v->pk[i].pts;
		qsort(v->fpts, nf, sizeof(*v->fpts), cmp_i64);
		for (i = 0; i < nf; i++)
			v->fdpos[i] = (size_t)pmap_find(v, v->fpts[i]);
		v->origin = v->fpts[0];
		for (i = 0; i < nf; i++)
			v->rel[i] = ts_sec(v, v->fpts[i] - v->origin);
	} else {
		for (i = 0; i < nf; i++)
			v->rel[i] = (double)i / v->fps_guess;
	}
	return 0;
}

static void fill_meta(struct vctx *v, struct frame_meta *m)
{
	const AVCodecParameters *cp = v->st->codecpar;
	double dsec;
	int64_t nb;

	m->width = v->transpose ? cp->height : cp->width;
	m->height = v->transpose ? cp->width : cp->height;
	m->rotation = v->rotation;
	m->frame_count = v->nf;
	m->fps = v->st->avg_frame_rate.num > 0 && v->st->avg_frame_rate.den > 0
		 ? av_q2d(v->st->avg_frame_rate) : 0;
	snprintf(m->codec, sizeof(m->codec), "%s", v->dec->codec->name);
	m->timing = v->timing;

	/* duration: first frame to the end of the last */
	if (v->timing) {
		int64_t last = v->fpts[v->nf - 1], dur = 0;
		long dp = pmap_find(v, last);

		if (dp >= 0 && v->pk[dp].dur > 0)
			dur = v->pk[dp].dur;
		else if (v->nf >= 2)
			dur = last - v->fpts[v->nf - 2];
		m->duration = ts_sec(v, last + dur - v->origin);
		if (dur == 0 && m->fps > 0)
			m->duration += 1.0 / m->fps;
	} else if (v->st->duration != AV_NOPTS_VALUE && v->st->duration > 0) {
		m->duration = ts_sec(v, v->st->duration);
	} else if (v->fmt->duration != AV_NOPTS_VALUE && v->fmt->duration > 0) {
		m->duration = v->fmt->duration / (double)AV_TIME_BASE;
	} else {
		m->duration = v->nf / v->fps_guess;
	}

	/* OpenCV 4.6 (cap_ffmpeg_impl.hpp): get_fps, get_duration_sec, get_total_frames */
	m->cv_fps = m->fps;
	if (m->cv_fps < 1e-6)
		m->cv_fps = 1.0 / av_q2d(v->tb);
	dsec = (double)v->fmt->duration / AV_TIME_BASE;
	if (dsec < 1e-6)
		dsec = (double)v->st->duration * av_q2d(v->tb);
	nb = v->st->nb_frames;
	if (nb == 0)
		nb = (int64_t)floor(dsec * m->cv_fps + 0.5);
	m->cv_frame_count = nb < 0 ? 0 : nb > LONG_MAX ? LONG_MAX : (long)nb;
	m->cv_duration = m->cv_fps > 0 ? m->cv_frame_count / m->cv_fps : 0;
}
/* ------------------------------------------------------------ decode */

struct dstate {
	AVPacket *pkt;
	AVFrame *fr, *last;
	long last_ord;
	double last_pts;
	size_t next;               /* first target not done */
	int inflight;              /* targets sent, not yet out */
	long ordinal;              /* decoder mode: frames out so far */
	size_t cur;                /* next decode position */
	int cur_known;
	int need_land;
	size_t land_k;
	int seek_tries;
	int sequential;            /* no more seeks */
	long last_seek_target;
	size_t *sufmin;            /* min keyframe over targets i.. */
};

static long ord_of_pts(const struct vctx *v, int64_t pts)
{
	long lo = 0, hi = v->nf;

	while (lo < hi) {
		long mid = lo + (hi - lo) / 2;
		if (v->fpts[mid] < pts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < v->nf && v->fpts[lo] == pts ? lo : -1;
}

static long tgt_of_pts(const struct vctx *v, int64_t pts)
{
	size_t lo = 0, hi = v->ntg;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v->tg[mid].pts < pts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < v->ntg && v->tg[lo].pts == pts ? (long)lo : -1;
}

static int deliver(struct vctx *v, struct dstate *d, struct tgt *t, const AVFrame *fr,
		   long ord, double pts, int64_t key)
{
	if (v->nimages && v->last_img_pts == key) {
		t->img = v->last_img;
	} else {
		ALLOC_GROW(v->images, v->nimages + 1, v->aimages);
		if (frame_encoder_encode(&v->enc, fr, ord, pts, &v->images[v->nimages]) < 0)
			return -1;
		t->img = (int)v->nimages++;
		v->last_img = t->img;
		v->last_img_pts = key;
	}
	t->got_ord = ord;
	t->got_pts = pts;
	t->done = 1;
	if (t->sent && d->inflight > 0)
		d->inflight--;
	while (d->next < v->ntg && v->tg[d->next].done)
		d->next++;
	return 0;
}

static int on_frame(struct vctx *v, struct dstate *d, AVFrame *fr)
{
	int64_t p = fr->best_effort_timestamp;
	long ord;
	double pts;
	int rc = 0;

	v->stats.decoded++;
	if ((fr->flags & AV_FRAME_FLAG_CORRUPT) || fr->decode_error_flags)
		v->stats.damaged++;
	if (v->timing) {
		long ti;
		size_t j;

		if (p == AV_NOPTS_VALUE)
			p = fr->pts;
		ord = ord_of_pts(v, p);
		pts = ts_sec(v, p);
		/* targets sent before this frame but never shown are lost: use this one */
		for (j = d->next; j < v->ntg && v->tg[j].pts < p && rc == 0; j++)
			if (!v->tg[j].done && v->tg[j].sent) {
				v->stats.substituted++;
				rc = deliver(v, d, &v->tg[j], fr, ord, pts, p);
			}
		ti = tgt_of_pts(v, p);
		if (rc == 0 && ti >= 0 && !v->tg[ti].done)
			rc = deliver(v, d, &v->tg[ti], fr, ord, pts, p);
	} else {
		size_t j;

		ord = d->ordinal++;
		pts = p != AV_NOPTS_VALUE ? ts_sec(v, p) : (double)ord / v->fps_guess;
		for (j = d->next; j < v->ntg && v->tg[j].ord <= ord && rc == 0; j++)
			if (!v->tg[j].done) {
				if (v->tg[j].ord < ord)
					v->stats.substituted++;
				rc = deliver(v, d, &v->tg[j], fr, ord, pts, (int64_t)ord);
			}
	}
	av_frame_unref(d->last);
	if (av_frame_ref(d->last, fr) == 0) {
		d->last_ord = ord;
		d->last_pts = pts;
	}
	av_frame_unref(fr);
	return rc;
}

static int seek_ts(struct vctx *v, int64_t ts)
{
	int rc = av_seek_frame(v->fmt, v->vidx, ts, AVSEEK_FLAG_BACKWARD);

	if (rc < 0)
		return rc;
	avcodec_flush_buffers(v->dec);
	v->stats.seeks++;
	return 0;
}

static int reopen(struct vctx *v, struct dstate *d)
{
	close_input(v);
	if (open_input(v) < 0)
		return -1;
	d->cur = 0;
	d->cur_known = v->timing;
	d->need_land = 0;
	d->sequential = 1;
	d->inflight = 0;
	d->ordinal = 0;
	return 0;
}

/* Back to the start for one sequential pass. */
static int rewind_input(struct vctx *v, struct dstate *d)
{
	int64_t ts = v->pk[0].dts != AV_NOPTS_VALUE ? v->pk[0].dts : v->pk[0].pts;

	d->sequential = 1;
	d->inflight = 0;
	for (size_t i = 0; i < v->ntg; i++)
		v->tg[i].sent = 0;
	if (!v->timing || ts == AV_NOPTS_VALUE || seek_ts(v, ts) < 0)
		return reopen(v, d);
	d->need_land = 1;
	d->land_k = 0;
	d->cur_known = 0;
	return 0;
}

static int seek_to_key(struct vctx *v, struct dstate *d, size_t k)
{
	const struct pk *p = &v->pk[k];
	int64_t ts = p->pts;

	if (d->seek_tries > 0) {     /* second try: earlier, by the dts and a second */
		if (p->dts != AV_NOPTS_VALUE && p->dts < ts)
			ts = p->dts;
		ts -= av_rescale_q(AV_TIME_BASE, AV_TIME_BASE_Q, v->tb);
	}
	if (ts == AV_NOPTS_VALUE || seek_ts(v, ts) < 0)
		return rewind_input(v, d);
	for (size_t i = 0; i < v->ntg; i++)
		if (!v->tg[i].done)
			v->tg[i].sent = 0;
	d->inflight = 0;
	d->need_land = 1;
	d->land_k = k;
	d->cur_known = 0;
	return 0;
}

#define SEEK_GAP_MIN 8

static int send_packet(struct vctx *v, struct dstate *d, AVPacket *pkt)
{
	for (;;) {
		int rc = avcodec_send_packet(v->dec, pkt);

		if (rc != AVERROR(EAGAIN))
			return rc;
		rc = avcodec_receive_frame(v->dec, d->fr);
		if (rc == 0) {
			if (on_frame(v, d, d->fr) < 0)
				return INT_MIN;
		} else if (rc != AVERROR(EAGAIN)) {
			return rc;
		}
	}
}

static int decode_targets(struct vctx *v)
{
	struct dstate d;
	int rc = 0, draining = 0, errs = 0, gap;
	enum frame_strategy strat = v->opts ? v->opts->strategy : FRAME_STRATEGY_AUTO;
	size_t i;
	long guard = 0, guard_max;

	memset(&d, 0, sizeof(d));
	d.pkt = av_packet_alloc();
	d.fr = av_frame_alloc();
	d.last = av_frame_alloc();
	d.last_seek_target = -1;
	if (!d.pkt || !d.fr || !d.last) {
		rc = fail(v, "out of memory");
		goto out;
	}
	d.sufmin = xcalloc(v->ntg + 1, sizeof(*d.sufmin));
	d.sufmin[v->ntg] = SIZE_MAX;
	for (i = v->ntg; i-- > 0;)
		d.sufmin[i] = v->tg[i].kf < d.sufmin[i + 1] ? v->tg[i].kf : d.sufmin[i + 1];
	gap = v->dec->thread_count * 2;
	if (gap < SEEK_GAP_MIN)
		gap = SEEK_GAP_MIN;
	guard_max = (long)v->npk * 4 + 1000;

	if (!v->timing || strat == FRAME_STRATEGY_SEQUENTIAL) {
		if (rewind_input(v, &d) < 0) {
			rc = -1;
			goto out;
		}
	} else if (seek_to_key(v, &d, v->tg[0].kf) < 0) {
		rc = -1;
		goto out;
	}
	while (d.next < v->ntg) {
		rc = avcodec_receive_frame(v->dec, d.fr);
		if (rc == 0) {
			if (on_frame(v, &d, d.fr) < 0) {
				rc = -1;
				goto out;
			}
			continue;
		}
		if (rc == AVERROR_EOF || draining)
			break;
		if (rc != AVERROR(EAGAIN)) {
			v->stats.corrupt++;
			if (++errs > MAX_READ_ERRORS)
				break;
		}
		if (++guard > guard_max)
			break;
		if (cancelled(v)) {
			rc = fail(v, "cancelled");
			goto out;
		}

		/* seek or go on */
		if (v->timing && !d.sequential && !d.need_land && d.inflight == 0) {
			size_t k = d.sufmin[d.next];
			int want;

			if (strat == FRAME_STRATEGY_SEEK)
				want = d.last_seek_target != (long)d.next;
			else
				want = d.cur_known && k > d.cur + (size_t)gap;
			if (want) {
				d.last_seek_target = (long)d.next;
				d.seek_tries = 0;
				if (seek_to_key(v, &d, k) < 0) {
					rc = -1;
					goto out;
				}
				continue;
			}
		}

		rc = av_read_frame(v->fmt, d.pkt);
		if (rc == AVERROR(EAGAIN))
			continue;
		if (rc < 0) {
			if (rc != AVERROR_EOF && ++errs <= MAX_READ_ERRORS &&
			    !(v->fmt->pb && avio_feof(v->fmt->pb))) {
				v->stats.corrupt++;
				continue;
			}
			if (d.need_land) {         /* a seek that found nothing */
				d.need_land = 0;
				if (rewind_input(v, &d) < 0) {
					rc = -1;
					goto out;
				}
				continue;
			}
			avcodec_send_packet(v->dec, NULL);
			draining = 1;
			continue;
		}
		if (d.pkt->stream_index != v->vidx) {
			av_packet_unref(d.pkt);
			continue;
		}
		errs = 0;
		v->stats.packets++;
		{
			long dpos = v->timing ? pmap_find(v, d.pkt->pts) : -1;
			int is_target = !v->timing;

			if (d.need_land) {
				d.need_land = 0;
				if (v->timing && (dpos < 0 || (size_t)dpos > d.land_k)) {
					av_packet_unref(d.pkt);
					if (d.land_k == 0 || ++d.seek_tries > 1) {
						debugf("'%s': seeking is not exact here; decoding from the start", v->path);
						if (d.land_k == 0) {
							if (reopen(v, &d) < 0) {
								rc = -1;
								goto out;
							}
						} else if (rewind_input(v, &d) < 0) {
							rc = -1;
							goto out;
						}
					} else if (seek_to_key(v, &d, d.land_k) < 0) {
						rc = -1;
						goto out;
					}
					continue;
				}
			}
			if (dpos >= 0) {
				d.cur = (size_t)dpos + 1;
				d.cur_known = 1;
			}
			if (v->timing) {
				long ti = tgt_of_pts(v, d.pkt->pts);
				if (ti >= 0 && !v->tg[ti].done) {
					is_target = 1;
					if (!v->tg[ti].sent) {
						v->tg[ti].sent = 1;
						d.inflight++;
					}
				}
			}
			if (v->can_skip && v->timing && !is_target && strat != FRAME_STRATEGY_SEQUENTIAL) {
				v->dec->skip_frame = AVDISCARD_NONREF;
				v->stats.skipped++;
			} else {
				v->dec->skip_frame = AVDISCARD_DEFAULT;
			}
			if (d.pkt->flags & AV_PKT_FLAG_CORRUPT)
				v->stats.corrupt++;
			rc = send_packet(v, &d, d.pkt);
			av_packet_unref(d.pkt);
			if (rc == INT_MIN) {
				rc = -1;
				goto out;
			}
			if (rc < 0)
				v->stats.corrupt++;
		}
	}
	rc = 0;
	/* what could not be decoded: the last frame that could */
	for (i = 0; i < v->ntg; i++) {
		if (v->tg[i].done)
			continue;
		if (!d.last->buf[0] && !d.last->data[0]) {
			rc = fail(v, "no frame could be decoded");
			goto out;
		}
		v->stats.substituted++;
		if (deliver(v, &d, &v->tg[i], d.last, d.last_ord, d.last_pts,
			    v->timing ? d.last->best_effort_timestamp : (int64_t)d.last_ord) < 0) {
			rc = -1;
			goto out;
		}
	}
out:
	free(d.sufmin);
	av_packet_free(&d.pkt);
	av_frame_free(&d.fr);
	av_frame_free(&d.last);
	return rc;
}

/* ------------------------------------------------------------ driver */

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

static void vctx_release(struct vctx *v)
{
	size_t i;

	frame_encoder_release(&v->enc);
	close_input(v);
	for (i = 0; i < v->nimages; i++)
		frame_image_release(&v->images[i]);
	free(v->images);
	free(v->pk);
	free(v->pm);
	free(v->fpts);
	free(v->fdpos);
	free(v->rel);
	free(v->tg);
}

int frames_extract_e(const char *path, const struct frame_plan *p, const struct frame_window *w,
		     const struct frame_opts *o, struct frameset **out, struct buf *err)
{
	struct vctx v;
	struct frame_timeline tl;
	struct frame_targets t;
	struct frame_meta meta;
	struct frameset *fs;
	struct buf why = BUF_INIT;
	double t0 = mono_now();
	long *sorted = NULL;
	size_t i, n;

	frames_global_init();
	*out = NULL;
	memset(&v, 0, sizeof(v));
	memset(&t, 0, sizeof(t));
	memset(&meta, 0, sizeof(meta));
	v.path = path;
	v.err = err;
	v.plan = p;
	v.opts = o;
	v.last_img = -1;
	frame_encoder_init(&v.enc, path, p, err);
	if (open_input(&v) < 0 || build_index(&v) < 0)
		goto fail;
	read_orientation(&v);
	frame_encoder_orient(&v.enc, v.transpose, v.hflip, v.vflip);
	fill_meta(&v, &meta);

	tl.n = v.nf;
	tl.pts = v.rel;
	tl.duration = meta.duration;
	tl.cv_fps = meta.cv_fps;
	tl.cv_frame_count = meta.cv_frame_count;
	if (frames_select(p, &tl, w, &t, &why) < 0) {
		fail(&v, "%s", buf_cstr(&why));
		goto fail;
	}
	meta.sample_fps = t.sample_fps;
	meta.interval = t.interval;

	/* distinct targets in presentation order */
	sorted = xcalloc(t.n ? t.n : 1, sizeof(*sorted));
	memcpy(sorted, t.index, t.n * sizeof(*sorted));
	qsort(sorted, t.n, sizeof(*sorted), cmp_long);
	v.tg = xcalloc(t.n ? t.n : 1, sizeof(*v.tg));
	for (i = 0, n = 0; i < t.n; i++) {
		struct tgt *g;
		if (n && v.tg[n - 1].ord == sorted[i])
			continue;
		g = &v.tg[n++];
		g->ord = sorted[i];
		g->img = -1;
		if (v.timing) {
			size_t dp, k;
			g->pts = v.fpts[g->ord];
			dp = v.fdpos[g->ord];
			g->dpos = dp;
			/* the last keyframe at or before it whose picture is not after it
			 * (open GOPs: leading pictures need the keyframe before) */
			k = dp + 1;
			while (k-- > 0)
				if ((v.pk[k].flags & PK_KEY) && v.pk[k].pts != AV_NOPTS_VALUE &&
				    v.pk[k].pts <= g->pts)
					break;
			g->kf = k == (size_t)-1 ? 0 : k;
		}
	}
	v.ntg = n;
	if (decode_targets(&v) < 0)
		goto fail;

	fs = frameset_new();
	{
		struct buf c = BUF_INIT;
		frame_plan_canonical(p, &c);
		fs->plan = buf_detach(&c, NULL);
	}
	if (p->window && w && w->has)
		fs->window = *w;
	fs->meta = meta;
	v.stats.seconds = mono_now() - t0;
	fs->stats = v.stats;
	fs->frames = xcalloc(t.n ? t.n : 1, sizeof(*fs->frames));
	fs->nframes = t.n;
	for (i = 0; i < t.n; i++) {
		size_t lo = 0, hi = v.ntg;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (v.tg[mid].ord < t.index[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		fs->frames[i].index = v.tg[lo].got_ord;
		fs->frames[i].pts = v.tg[lo].got_pts;
		fs->frames[i].image = v.tg[lo].img;
	}
	fs->images = v.images;
	fs->nimages = v.nimages;
	v.images = NULL;
	v.nimages = 0;
	if (v.stats.corrupt || v.stats.substituted)
		notef("'%s': %ld corrupt packet(s) skipped, %d frame(s) substituted", path,
		      v.stats.corrupt, v.stats.substituted);
	free(sorted);
	frame_targets_release(&t);
	buf_release(&why);
	vctx_release(&v);
	*out = fs;
	return 0;
fail:
	if (!err->len)
		fail(&v, "cannot extract frames");
	free(sorted);
	frame_targets_release(&t);
	buf_release(&why);
	vctx_release(&v);
	return -1;
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
