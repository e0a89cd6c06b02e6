#include "lib/common.h"
#include "lib/image.h"
#include "lib/buf.h"
#include "lib/util.h"

const char *image_mime(const void *data, size_t n)
{
	const unsigned char *p = data;

	if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
		return "image/jpeg";
	if (n >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8))
		return "image/png";
	if (n >= 6 && (!memcmp(p, "GIF87a", 6) || !memcmp(p, "GIF89a", 6)))
		return "image/gif";
	if (n >= 12 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4))
		return "image/webp";
	if (n >= 14 && p[0] == 'B' && p[1] == 'M')
		return "image/bmp";
	if (n >= 4 && (!memcmp(p, "II*\0", 4) || !memcmp(p, "MM\0*", 4)))
		return "image/tiff";
	return NULL;
}

void image_summary(size_t n, const char *sha256, struct buf *out)
{
	buf_addf(out, "<%zu bytes, sha256 %s>", n, sha256);
}

int image_summary_parse(const char *s, size_t *n, char sha256[65])
{
	const char *p = s;
	size_t v = 0;

	if (!s || *p++ != '<' || *p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (SIZE_MAX - 9) / 10)
			return -1;
		v = v * 10 + (size_t)(*p - '0');
	}
	if (strncmp(p, " bytes, sha256 ", 15))
		return -1;
	p += 15;
	if (!sha256_hex_valid(p) || p[64] != '>' || p[65])
		return -1;
	memcpy(sha256, p, 64);
	sha256[64] = '\0';
	*n = v;
	return 0;
}
