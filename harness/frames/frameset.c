/*
 * frameset.c: encoded images and frame sets (frameset.h): loading an image
 * file as it is, reference counting, the JSON records of what a sample was
 * given. No FFmpeg.
 */
#include "lib/common.h"
#include "harness/frames/frameset.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <math.h>


static void image_dims(struct frame_image *img)
{
	const unsigned char *d = img->data;
	size_t n = img->size, i;

	if (n >= 24 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8) && !memcmp(d + 12, "IHDR", 4)) {
		img->width = (int)((uint32_t)d[16] << 24 | (uint32_t)d[17] << 16 | (uint32_t)d[18] << 8 | d[19]);
		img->height = (int)((uint32_t)d[20] << 24 | (uint32_t)d[21] << 16 | (uint32_t)d[22] << 8 | d[23]);
		return;
	}
	if (n < 4 || d[0] != 0xFF || d[1] != 0xD8)
		return;
	/* walk the JPEG markers to a start-of-frame */
	for (i = 2; i + 9 < n;) {
		unsigned m, len;

		if (d[i] != 0xFF) {
			i++;
			continue;
		}
		m = d[i + 1];
		if (m == 0xFF) {
			i++;
			continue;
		}
		if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
			i += 2;
			continue;
		}
		len = (unsigned)d[i + 2] << 8 | d[i + 3];
		if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
			img->height = (int)((unsigned)d[i + 5] << 8 | d[i + 6]);
			img->width = (int)((unsigned)d[i + 7] << 8 | d[i + 8]);
			return;
		}
		if (m == 0xDA || len < 2)
			return;
		i += 2 + len;
	}
}

const char *frame_mime_of(const unsigned char *d, size_t n)
{
	if (n >= 8 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8))
		return "image/png";
	if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
		return "image/jpeg";
	if (n >= 6 && (!memcmp(d, "GIF87a", 6) || !memcmp(d, "GIF89a", 6)))
		return "image/gif";
	if (n >= 12 && !memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WEBP", 4))
		return "image/webp";
	return NULL;
}

void frame_image_set(struct frame_image *img, unsigned char *data, size_t size, const char *mime)
{
	img->data = data;
	img->size = size;
	img->mime = mime;
	{
		struct buf b = BUF_INIT_MAX(SIZE_MAX / 2);
		b64_encode(data, size, &b);       /* never over its cap */
		img->b64 = buf_detach(&b, &img->b64_len);
	}
	sha256_hex(data, size, img->sha256);
	if (!img->width || !img->height)
		image_dims(img);
}

void frame_image_release(struct frame_image *img)
{
	free(img->data);
	free(img->b64);
	memset(img, 0, sizeof(*img));
}

#define IMAGE_MAX ((size_t)256 << 20)

int frame_image_load(struct frame_image *img, const char *path)
{
	struct buf b = BUF_INIT_MAX(IMAGE_MAX);
	const char *mime;
	size_t len;
	char *data;

	memset(img, 0, sizeof(*img));
	img->index = -1;
	img->pts = -1;
	if (read_file(path, &b) < 0) {
		buf_release(&b);
		return -1;
	}
	mime = frame_mime_of((const unsigned char *)b.data, b.len);
	if (!mime) {
		buf_release(&b);
		return error("'%s': not a PNG, JPEG, GIF or WebP image", path);
	}
	data = buf_detach(&b, &len);
	frame_image_set(img, (unsigned char *)data, len, mime);
	return 0;
}

struct frameset *frameset_new(void)
{
	struct frameset *fs = xcalloc(1, sizeof(*fs));

	fs->refs = 1;
	return fs;
}

struct frameset *frameset_ref(struct frameset *fs)
{
	if (fs)
		__atomic_add_fetch(&fs->refs, 1, __ATOMIC_RELAXED);
	return fs;
}

void frameset_unref(struct frameset *fs)
{
	size_t i;

	if (!fs || __atomic_sub_fetch(&fs->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	for (i = 0; i < fs->nimages; i++)
		frame_image_release(&fs->images[i]);
	free(fs->images);
	free(fs->frames);
	free(fs->plan);
	free(fs);
}

size_t frameset_bytes(const struct frameset *fs)
{
	size_t i, n = sizeof(*fs) + fs->nframes * sizeof(*fs->frames);

	for (i = 0; i < fs->nimages; i++)
		n += sizeof(fs->images[i]) + fs->images[i].size + fs->images[i].b64_len + 1;
	return n;
}

void frames_write_json(struct jw *w, const struct frameset *fs)
{
	size_t i;

	jw_arr(w);
	for (i = 0; i < fs->nframes; i++) {
		jw_obj(w);
		jw_key(w, "index");
		jw_int(w, fs->frames[i].index);
		jw_key(w, "pts");
		jw_num(w, fs->frames[i].pts);
		jw_key(w, "sha256");
		jw_str(w, frameset_image(fs, i)->sha256);
		jw_end(w);
	}
	jw_end(w);
}

void frames_json(const struct frameset *fs, struct buf *out)
{
	struct jw w;

	jw_init(&w, out, 0);
	frames_write_json(&w, fs);
}

static void write_meta(struct jw *w, const struct frame_meta *m)
{
	jw_obj(w);
	jw_key(w, "width");
	jw_int(w, m->width);
	jw_key(w, "height");
	jw_int(w, m->height);
	jw_key(w, "rotation");
	jw_int(w, m->rotation);
	jw_key(w, "frame_count");
	jw_int(w, m->frame_count);
	jw_key(w, "duration");
	jw_num(w, m->duration);
	jw_key(w, "fps");
	jw_num(w, m->fps);
	jw_key(w, "cv_fps");
	jw_num(w, m->cv_fps);
	jw_key(w, "cv_frame_count");
	jw_int(w, m->cv_frame_count);
	jw_key(w, "cv_duration");
	jw_num(w, m->cv_duration);
	jw_key(w, "sample_fps");
	jw_num(w, m->sample_fps);
	if (m->interval) {
		jw_key(w, "interval");
		jw_int(w, m->interval);
	}
	jw_key(w, "codec");
	jw_str(w, m->codec);
	jw_key(w, "timing");
	jw_str(w, m->timing ? "container" : "decoder");
	jw_end(w);
}

void frames_image_name(const struct frameset *fs, int image, struct buf *out)
{
	const struct frame_image *img = &fs->images[image];

	buf_addf(out, "frame_%03d.%s", image, img->mime && !strcmp(img->mime, "image/png") ? "png" : "jpg");
}

void frameset_write_index(struct jw *w, const struct frameset *fs, int with_files)
{
	const struct frame_stats *s = &fs->stats;
	size_t i;

	jw_obj(w);
	jw_key(w, "video_sha256");
	jw_str(w, fs->video_sha256);
	jw_key(w, "plan");
	jw_raw(w, fs->plan ? fs->plan : "null");
	jw_key(w, "window");
	if (fs->window.has) {
		jw_arr(w);
		jw_num(w, fs->window.t_start);
		jw_num(w, fs->window.t_end);
		jw_end(w);
	} else {
		jw_null(w);
	}
	jw_key(w, "meta");
	write_meta(w, &fs->meta);
	jw_key(w, "stats");
	jw_obj(w);
	jw_key(w, "packets");
	jw_int(w, s->packets);
	jw_key(w, "decoded");
	jw_int(w, s->decoded);
	jw_key(w, "skipped");
	jw_int(w, s->skipped);
	jw_key(w, "seeks");
	jw_int(w, s->seeks);
	jw_key(w, "corrupt");
	jw_int(w, s->corrupt);
	jw_key(w, "damaged");
	jw_int(w, s->damaged);
	jw_key(w, "substituted");
	jw_int(w, s->substituted);
	jw_key(w, "seconds");
	jw_num(w, round(s->seconds * 1e6) / 1e6);
	jw_key(w, "index_seconds");
	jw_num(w, round(s->index_seconds * 1e6) / 1e6);
	jw_end(w);
	jw_key(w, "frames");
	jw_arr(w);
	for (i = 0; i < fs->nframes; i++) {
		const struct frame_image *img = frameset_image(fs, i);

		jw_obj(w);
		jw_key(w, "index");
		jw_int(w, fs->frames[i].index);
		jw_key(w, "pts");
		jw_num(w, fs->frames[i].pts);
		jw_key(w, "image");
		jw_int(w, fs->frames[i].image);
		if (with_files) {
			struct buf f = BUF_INIT;
			frames_image_name(fs, fs->frames[i].image, &f);
			jw_key(w, "file");
			jw_str(w, buf_cstr(&f));
			buf_release(&f);
		}
		jw_key(w, "sha256");
		jw_str(w, img->sha256);
		jw_key(w, "pixels");
		jw_str(w, img->pixels);
		jw_key(w, "width");
		jw_int(w, img->width);
		jw_key(w, "height");
		jw_int(w, img->height);
		jw_key(w, "bytes");
		jw_int(w, (long long)img->size);
		jw_end(w);
	}
	jw_end(w);
	jw_end(w);
}
