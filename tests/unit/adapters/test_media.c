/*
 * test_media.c: request media (adapters/media.c): the MIME type of a
 * file from its first bytes, then its name.
 */
#include "lib/common.h"
#include "adapters/media.h"

#include <setjmp.h>
#include <cmocka.h>

static void test_sniff(void **state)
{
	(void)state;
	assert_string_equal(media_sniff("\xff\xd8\xff\xe0xx", 6, "a.bin"), "image/jpeg");
	assert_string_equal(media_sniff("\x89PNG\r\n\x1a\n....", 12, NULL), "image/png");
	assert_string_equal(media_sniff("GIF89a", 6, NULL), "image/gif");
	assert_string_equal(media_sniff("RIFF\0\0\0\0WEBPVP8 ", 16, NULL), "image/webp");
	assert_string_equal(media_sniff("\0\0\0\x18" "ftypisom", 12, NULL), "video/mp4");
	assert_string_equal(media_sniff("\0\0\0\x14" "ftypqt  ", 12, NULL), "video/quicktime");
	assert_string_equal(media_sniff("????", 4, "x.JPG"), "image/jpeg");
	assert_null(media_sniff("????", 4, "x.txt"));
	assert_null(media_sniff("", 0, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sniff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
