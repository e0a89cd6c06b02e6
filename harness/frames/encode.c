/*
 * encode.c: the encode stage of an extraction -- scale (libswscale), orient
 * upright, encode JPEG (libavcodec mjpeg with libjpeg's quality tables) or
 * PNG -- and the thumbnails of report.html. It knows nothing of containers,
 * packets or plans' sampling: the decode stage (decode.c) hands it decoded
 * pictures one at a time.
 */
#include "lib/common.h"
#include "harness/frames/encode.h"
#include "harness/frames/av.h"
#include "lib/buf.h"
#include "lib/xalloc.h"

#include <math.h>

#include <libavcodec/avcodec.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#define AVERR(rc) FRAMES_AVERR(rc)

static int fail(struct frame_encoder *e, const char *fmt, ...) PRINTF_LIKE(2, 3);

static int fail(struct frame_encoder *e, const char *fmt, ...)
{
	va_list ap;

	if (e->err->len)      /* keep the first reason */
		return -1;
	buf_addf(e->err, "'%s': ", e->path);
	va_start(ap, fmt);
	buf_vaddf(e->err, fmt, ap);
	va_end(ap);
	return -1;
}

void frame_encoder_init(struct frame_encoder *e, const char *path, const struct frame_plan *p,
			struct buf *err)
{
	memset(e, 0, sizeof(*e));
	e->path = path;
	e->plan = p;
	e->err = err;
}

void frame_encoder_orient(struct frame_encoder *e, int transpose, int hflip, int vflip)
{
	e->transpose = transpose;
	e->hflip = hflip;
	e->vflip = vflip;
}


/* JPEG Annex K tables, natural order, scaled as libjpeg's jpeg_set_quality. */
static const uint8_t std_luma[64] = {
	16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
	14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
	18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
	49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
};
static const uint8_t std_chroma[64] = {
	17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
	24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
	99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
	99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
};

static uint16_t *quant_table(const uint8_t *base, int quality)
{
	uint16_t *m = av_malloc(64 * sizeof(*m));
	long scale = quality < 50 ? 5000 / quality : 200 - quality * 2;
	int i;

	if (!m)
		return NULL;
	for (i = 0; i < 64; i++) {
		long t = (base[i] * scale + 50) / 100;
		m[i] = (uint16_t)(t < 1 ? 1 : t > 255 ? 255 : t);
	}
	return m;
}

static void close_encoder(struct frame_encoder *e)
{
	if (e->enc) {
		av_freep(&e->enc->intra_matrix);
		av_freep(&e->enc->chroma_intra_matrix);
	}
	avcodec_free_context(&e->enc);
}

/* mjpeg: qscale 8 with these matrices writes them as they are
 * (the encoder folds qscale into the matrix: (m * qscale) >> 3). */
#define MJPEG_QSCALE 8

static int open_encoder(struct frame_encoder *v, int w, int h)
{
	int jpeg = v->plan->format == FRAME_JPEG, rc;
	const AVCodec *c = avcodec_find_encoder(jpeg ? AV_CODEC_ID_MJPEG : AV_CODEC_ID_PNG);

	close_encoder(v);
	if (!c)
		return fail(v, "no %s encoder in this libavcodec", jpeg ? "mjpeg" : "png");
	v->enc = avcodec_alloc_context3(c);
	if (!v->enc)
		return fail(v, "out of memory");
	v->enc->width = w;
	v->enc->height = h;
	v->enc->time_base = (AVRational){ 1, 25 };
	v->enc->flags |= AV_CODEC_FLAG_BITEXACT;
	v->enc->thread_count = 1;
	if (jpeg) {
		v->enc->pix_fmt = AV_PIX_FMT_YUVJ420P;
		v->enc->color_range = AVCOL_RANGE_JPEG;
		v->enc->sample_aspect_ratio = (AVRational){ 1, 1 };   /* makes it write JFIF */
		v->enc->flags |= AV_CODEC_FLAG_QSCALE;
		v->enc->global_quality = FF_QP2LAMBDA * MJPEG_QSCALE;
		v->enc->intra_matrix = quant_table(std_luma, v->plan->quality);
		v->enc->chroma_intra_matrix = quant_table(std_chroma, v->plan->quality);
		if (!v->enc->intra_matrix || !v->enc->chroma_intra_matrix)
			return fail(v, "out of memory");
	} else {
		v->enc->pix_fmt = AV_PIX_FMT_RGB24;
	}
	rc = avcodec_open2(v->enc, c, NULL);
	if (rc < 0)
		return fail(v, "cannot open the %s encoder for %dx%d: %s", c->name, w, h, AVERR(rc));
	v->enc_w = w;
	v->enc_h = h;
	return 0;
}

/* Output size: fit inside max_side and max_pixels, aspect kept, never larger. */
static void fit_size(int w, int h, int max_side, long max_pixels, int *ow, int *oh)
{
	double s = 1;
	long rw, rh;

	if (max_side > 0 && (w > max_side || h > max_side))
		s = (double)max_side / (w > h ? w : h);
	if (max_pixels > 0 && (double)w * h * s * s > (double)max_pixels)
		s = sqrt((double)max_pixels / ((double)w * h));
	if (s >= 1) {
		*ow = w;
		*oh = h;
		return;
	}
	rw = (long)floor(w * s + 0.5);
	rh = (long)floor(h * s + 0.5);
	if (max_pixels > 0 && rw * rh > max_pixels) {
		rw = (long)floor(w * s);
		rh = (long)floor(h * s);
	}
	if (max_side > 0) {
		if (rw > max_side)
			rw = max_side;
		if (rh > max_side)
			rh = max_side;
	}
	*ow = rw < 1 ? 1 : (int)rw;
	*oh = rh < 1 ? 1 : (int)rh;
}

static enum AVPixelFormat plain_format(enum AVPixelFormat f, int *full)
{
	switch (f) {
	case AV_PIX_FMT_YUVJ420P: *full = 1; return AV_PIX_FMT_YUV420P;
	case AV_PIX_FMT_YUVJ422P: *full = 1; return AV_PIX_FMT_YUV422P;
	case AV_PIX_FMT_YUVJ444P: *full = 1; return AV_PIX_FMT_YUV444P;
	case AV_PIX_FMT_YUVJ440P: *full = 1; return AV_PIX_FMT_YUV440P;
	case AV_PIX_FMT_YUVJ411P: *full = 1; return AV_PIX_FMT_YUV411P;
	default: return f;
	}
}

static int alloc_frame(struct frame_encoder *v, AVFrame **f, enum AVPixelFormat fmt, int w, int h)
{
	if (*f && (*f)->format == fmt && (*f)->width == w && (*f)->height == h)
		return 0;
	av_frame_free(f);
	*f = av_frame_alloc();
	if (!*f)
		return fail(v, "out of memory");
	(*f)->format = fmt;
	(*f)->width = w;
	(*f)->height = h;
	if (av_frame_get_buffer(*f, 0) < 0)
		return fail(v, "out of memory for a %dx%d picture", w, h);
	return 0;
}

/*
 * A scaler for one conversion, made again when anything changes. The
 * ranges are set before sws_init_context(): set afterwards, an unscaled
 * YUV to YUV copy ignores them. RGB output uses plain SWS_BICUBIC, the
 * flags OpenCV's FFmpeg backend uses, so unscaled RGB pixels are OpenCV's.
 * The matrix stays swscale's default BT.601, as OpenCV, PyAV and PIL
 * convert (docs/frames.md).
 */
/* A scaler with explicit ranges (set before sws_init_context(): set
 * afterwards, an unscaled YUV to YUV copy ignores them); the output range
 * is full. NULL when swscale refuses the conversion. */
static struct SwsContext *make_sws(int sw, int sh, enum AVPixelFormat sf, int sfull,
				   int dw, int dh, enum AVPixelFormat df, int flags)
{
	struct SwsContext *c = sws_alloc_context();

	if (!c)
		return NULL;
	av_opt_set_int(c, "srcw", sw, 0);
	av_opt_set_int(c, "srch", sh, 0);
	av_opt_set_int(c, "src_format", sf, 0);
	av_opt_set_int(c, "src_range", sfull, 0);
	av_opt_set_int(c, "dstw", dw, 0);
	av_opt_set_int(c, "dsth", dh, 0);
	av_opt_set_int(c, "dst_format", df, 0);
	av_opt_set_int(c, "dst_range", 1, 0);
	av_opt_set_int(c, "sws_flags", flags, 0);
	if (sws_init_context(c, NULL, NULL) < 0) {
		sws_freeContext(c);
		return NULL;
	}
	return c;
}

/*
 * A scaler for one conversion, made again when anything changes. RGB
 * output uses plain SWS_BICUBIC, the flags OpenCV's FFmpeg backend uses, so
 * unscaled RGB pixels are OpenCV's. The matrix stays swscale's default
 * BT.601, as OpenCV, PyAV and PIL convert (docs/frames.md).
 */
static struct SwsContext *get_sws(struct frame_encoder *v, struct SwsContext *old, int *key,
				  int sw, int sh, enum AVPixelFormat sf, int sfull,
				  int dw, int dh, enum AVPixelFormat df)
{
	int want[7] = { sw, sh, (int)sf, sfull, dw, dh, (int)df };
	int flags = SWS_BICUBIC;
	struct SwsContext *c;

	if (old && !memcmp(want, key, sizeof(want)))
		return old;
	sws_freeContext(old);
	if (df == AV_PIX_FMT_YUV420P)
		flags |= SWS_ACCURATE_RND;
	c = make_sws(sw, sh, sf, sfull, dw, dh, df, flags);
	if (!c) {
		memset(key, 0, sizeof(want));
		fail(v, "cannot convert %dx%d %s to %dx%d %s", sw, sh, av_get_pix_fmt_name(sf),
		     dw, dh, av_get_pix_fmt_name(df));
		return NULL;
	}
	memcpy(key, want, sizeof(want));
	return c;
}

static void transform_plane(const uint8_t *src, int sls, int sw, int sh, uint8_t *dst, int dls,
			    int bpp, int tr, int hf, int vf)
{
	int dw = tr ? sh : sw, dh = tr ? sw : sh, x, y;

	for (y = 0; y < dh; y++) {
		uint8_t *d = dst + (size_t)y * dls;
		int ty = vf ? dh - 1 - y : y;
		for (x = 0; x < dw; x++) {
			int tx = hf ? dw - 1 - x : x;
			int sx = tr ? ty : tx, sy = tr ? tx : ty;
			const uint8_t *s = src + (size_t)sy * sls + (size_t)sx * bpp;
			if (bpp == 1)
				d[x] = *s;
			else
				memcpy(d + (size_t)x * bpp, s, (size_t)bpp);
		}
	}
}

/*
 * A 64-bit hash of the picture as encoded (rows without padding): it names
 * the pixels in logs and lets runs be compared across encoders. Not
 * cryptographic; fast enough (several GB/s) to cost nothing next to
 * decoding, where sha256 of every raw 1080p picture cost 10 ms.
 */
static uint64_t mix64(uint64_t h, uint64_t v)
{
	h ^= v * 0x9E3779B97F4A7C15ull;
	h = (h << 31 | h >> 33) * 0xBF58476D1CE4E5B9ull;
	return h;
}

static void pixel_hash(const AVFrame *f, char out[17])
{
	const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
	int planes = av_pix_fmt_count_planes(f->format), p, y;
	uint64_t h = mix64(0x5354455641ull, (uint64_t)f->width << 32 | (uint32_t)f->height);

	h = mix64(h, (uint64_t)f->format);
	for (p = 0; p < planes; p++) {
		int w = f->width, hh = f->height;
		size_t bytes, i;
		if (p == 1 || p == 2) {
			w = AV_CEIL_RSHIFT(w, d->log2_chroma_w);
			hh = AV_CEIL_RSHIFT(hh, d->log2_chroma_h);
		}
		bytes = (size_t)(d->nb_components >= 3 && planes == 1 ? w * 3 : w);
		for (y = 0; y < hh; y++) {
			const uint8_t *row = f->data[p] + (size_t)y * f->linesize[p];
			uint64_t v;
			for (i = 0; i + 8 <= bytes; i += 8) {
				memcpy(&v, row + i, 8);
				h = mix64(h, v);
			}
			v = 0;
			memcpy(&v, row + i, bytes - i);
			h = mix64(h, v ^ ((uint64_t)(bytes - i) << 56));
		}
	}
	h ^= h >> 33;        /* splitmix64 finaliser */
	h *= 0xFF51AFD7ED558CCDull;
	h ^= h >> 33;
	h *= 0xC4CEB9FE1A85EC53ull;
	h ^= h >> 33;
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

void frame_encoder_release(struct frame_encoder *e)
{
	close_encoder(e);
	sws_freeContext(e->sws);
	sws_freeContext(e->sws2);
	av_frame_free(&e->conv);
	av_frame_free(&e->conv2);
	av_frame_free(&e->rot);
	av_packet_free(&e->epkt);
}

/* Convert, orient and encode one decoded frame into a new image. */
int frame_encoder_encode(struct frame_encoder *v, const AVFrame *fr, long ord, double pts,
			 struct frame_image *img)
{
	const struct frame_plan *p = v->plan;
	int sfull = 0, dw, dh, pw, ph, jpeg = p->format == FRAME_JPEG, rc, saved_fmt;
	enum AVPixelFormat sf = plain_format((enum AVPixelFormat)fr->format, &sfull);
	enum AVPixelFormat conv_fmt;
	AVFrame *out;
	unsigned char *data;

	if (fr->color_range == AVCOL_RANGE_JPEG)
		sfull = 1;
	if (fr->width <= 0 || fr->height <= 0)
		return fail(v, "frame %ld has no picture", ord);
	fit_size(v->transpose ? fr->height : fr->width, v->transpose ? fr->width : fr->height,
		 p->max_side, p->max_pixels, &dw, &dh);
	pw = v->transpose ? dh : dw;       /* before orienting */
	ph = v->transpose ? dw : dh;

	if (jpeg && !p->rgb_swap)
		conv_fmt = AV_PIX_FMT_YUV420P;
	else
		conv_fmt = p->rgb_swap ? AV_PIX_FMT_BGR24 : AV_PIX_FMT_RGB24;
	v->sws = get_sws(v, v->sws, v->sws_key, fr->width, fr->height, sf, sfull, pw, ph, conv_fmt);
	if (!v->sws || alloc_frame(v, &v->conv, conv_fmt, pw, ph) < 0)
		return -1;
	rc = sws_scale(v->sws, (const uint8_t *const *)fr->data, fr->linesize, 0, fr->height,
		       v->conv->data, v->conv->linesize);
	if (rc <= 0)
		return fail(v, "cannot scale frame %ld", ord);
	out = v->conv;
	if (jpeg && p->rgb_swap) {
		/* the picture now holds B,G,R in R,G,B order: encode it as RGB */
		v->sws2 = get_sws(v, v->sws2, v->sws2_key, pw, ph, AV_PIX_FMT_RGB24, 1, pw, ph,
				  AV_PIX_FMT_YUV420P);
		if (!v->sws2 || alloc_frame(v, &v->conv2, AV_PIX_FMT_YUV420P, pw, ph) < 0)
			return -1;
		sws_scale(v->sws2, (const uint8_t *const *)v->conv->data, v->conv->linesize, 0, ph,
			  v->conv2->data, v->conv2->linesize);
		out = v->conv2;
	}
	if (v->transpose || v->hflip || v->vflip) {
		int i, planes = av_pix_fmt_count_planes(out->format);

		if (alloc_frame(v, &v->rot, (enum AVPixelFormat)out->format, dw, dh) < 0)
			return -1;
		for (i = 0; i < planes; i++) {
			int sw = out->width, sh = out->height, bpp = planes == 1 ? 3 : 1;
			if (i > 0) {
				sw = (sw + 1) / 2;
				sh = (sh + 1) / 2;
			}
			transform_plane(out->data[i], out->linesize[i], sw, sh, v->rot->data[i],
					v->rot->linesize[i], bpp, v->transpose, v->hflip, v->vflip);
		}
		out = v->rot;
	}
	if (!v->enc || v->enc_w != dw || v->enc_h != dh)
		if (open_encoder(v, dw, dh) < 0)
			return -1;

	if (!v->epkt && !(v->epkt = av_packet_alloc()))
		return fail(v, "out of memory");
	memset(img, 0, sizeof(*img));
	pixel_hash(out, img->pixels);

	saved_fmt = out->format;
	out->format = jpeg ? AV_PIX_FMT_YUVJ420P : AV_PIX_FMT_RGB24;
	out->color_range = AVCOL_RANGE_JPEG;
	out->quality = v->enc->global_quality;
	out->pts = (int64_t)v->nencoded;
	out->pict_type = AV_PICTURE_TYPE_NONE;
	rc = avcodec_send_frame(v->enc, out);
	out->format = saved_fmt;
	if (rc >= 0)
		rc = avcodec_receive_packet(v->enc, v->epkt);
	if (rc < 0)
		return fail(v, "cannot encode frame %ld: %s", ord, AVERR(rc));
	data = xmalloc((size_t)v->epkt->size);
	memcpy(data, v->epkt->data, (size_t)v->epkt->size);
	img->width = dw;
	img->height = dh;
	img->index = ord;
	img->pts = pts;
	frame_image_set(img, data, (size_t)v->epkt->size, jpeg ? "image/jpeg" : "image/png");
	av_packet_unref(v->epkt);
	v->nencoded++;
	return 0;
}
/* ------------------------------------------------------------ thumbnails */

static int thumb_fail(struct buf *err, const char *what, int rc)
{
	char e[AV_ERROR_MAX_STRING_SIZE];

	if (err) {
		buf_adds(err, what);
		if (rc < 0)
			buf_addf(err, ": %s", frames_averr(rc, e, sizeof(e)));
	}
	return -1;
}

int frames_thumbnail_e(const struct frame_image *img, int max_side, struct buf *out, struct buf *err)
{
	int png = img->mime && !strcmp(img->mime, "image/png"), rc, w, h, sfull = 0;
	const AVCodec *dc = avcodec_find_decoder(png ? AV_CODEC_ID_PNG : AV_CODEC_ID_MJPEG);
	const AVCodec *ec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
	AVCodecContext *dec = NULL, *enc = NULL;
	AVPacket *pkt = NULL;
	AVFrame *fr = NULL, *sm = NULL;
	struct SwsContext *sws = NULL;
	enum AVPixelFormat sf;
	int ret = -1;

	frames_global_init();
	if (!dc || !ec)
		return thumb_fail(err, "thumbnail: no decoder or mjpeg encoder in this libavcodec", 0);
	if (!img->data || !img->size || img->size > INT_MAX - AV_INPUT_BUFFER_PADDING_SIZE)
		return thumb_fail(err, "thumbnail: no image", 0);
	dec = avcodec_alloc_context3(dc);
	pkt = av_packet_alloc();
	fr = av_frame_alloc();
	sm = av_frame_alloc();
	if (!dec || !pkt || !fr || !sm) {
		thumb_fail(err, "thumbnail: out of memory", 0);
		goto out;
	}
	dec->thread_count = 1;
	if ((rc = avcodec_open2(dec, dc, NULL)) < 0) {
		thumb_fail(err, "thumbnail: cannot open the decoder", rc);
		goto out;
	}
	if ((rc = av_new_packet(pkt, (int)img->size)) < 0) {
		thumb_fail(err, "thumbnail", rc);
		goto out;
	}
	memcpy(pkt->data, img->data, img->size);
	if ((rc = avcodec_send_packet(dec, pkt)) < 0 || (rc = avcodec_send_packet(dec, NULL)) < 0 ||
	    (rc = avcodec_receive_frame(dec, fr)) < 0) {
		thumb_fail(err, "thumbnail: cannot decode the image", rc);
		goto out;
	}
	fit_size(fr->width, fr->height, max_side, 0, &w, &h);
	sf = plain_format((enum AVPixelFormat)fr->format, &sfull);
	if (fr->color_range == AVCOL_RANGE_JPEG)
		sfull = 1;
	sws = make_sws(fr->width, fr->height, sf, sfull, w, h, AV_PIX_FMT_YUV420P, SWS_AREA);
	if (!sws) {
		thumb_fail(err, "thumbnail: cannot scale the image", 0);
		goto out;
	}
	sm->format = AV_PIX_FMT_YUVJ420P;
	sm->width = w;
	sm->height = h;
	sm->color_range = AVCOL_RANGE_JPEG;
	if ((rc = av_frame_get_buffer(sm, 0)) < 0) {
		thumb_fail(err, "thumbnail", rc);
		goto out;
	}
	sws_scale(sws, (const uint8_t *const *)fr->data, fr->linesize, 0, fr->height, sm->data,
		  sm->linesize);

	enc = avcodec_alloc_context3(ec);
	if (!enc) {
		thumb_fail(err, "thumbnail: out of memory", 0);
		goto out;
	}
	enc->width = w;
	enc->height = h;
	enc->time_base = (AVRational){ 1, 25 };
	enc->pix_fmt = AV_PIX_FMT_YUVJ420P;
	enc->color_range = AVCOL_RANGE_JPEG;
	enc->sample_aspect_ratio = (AVRational){ 1, 1 };
	enc->flags |= AV_CODEC_FLAG_QSCALE | AV_CODEC_FLAG_BITEXACT;
	enc->global_quality = FF_QP2LAMBDA * 4;
	enc->thread_count = 1;
	if ((rc = avcodec_open2(enc, ec, NULL)) < 0) {
		thumb_fail(err, "thumbnail: cannot open the mjpeg encoder", rc);
		goto out;
	}
	sm->quality = enc->global_quality;
	sm->pts = 0;
	av_packet_unref(pkt);
	if ((rc = avcodec_send_frame(enc, sm)) < 0 || (rc = avcodec_receive_packet(enc, pkt)) < 0) {
		thumb_fail(err, "thumbnail: cannot encode", rc);
		goto out;
	}
	buf_reset(out);
	buf_add(out, pkt->data, (size_t)pkt->size);
	ret = 0;
out:
	sws_freeContext(sws);
	av_frame_free(&fr);
	av_frame_free(&sm);
	av_packet_free(&pkt);
	avcodec_free_context(&dec);
	avcodec_free_context(&enc);
	return ret;
}
