/* Unit tests: lib/sha256.c against the NIST FIPS 180-4 example vectors
 * (csrc.nist.gov, "SHA256.pdf", "SHA2_Additional.pdf"), every split of
 * the input across updates, and libavutil's SHA-256 (the implementation
 * it replaced) over lengths 0..1000. */
#include "lib/common.h"
#include "lib/util.h"

#include <libavutil/mem.h>
#include <libavutil/sha.h>
#include <setjmp.h>
#include <cmocka.h>

static void test_nist_vectors(void **state)
{
	static const struct { const char *msg, *hex; } v[] = {
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
		  "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	};
	char hex[65];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(v); i++) {
		sha256_hex(v[i].msg, strlen(v[i].msg), hex);
		assert_string_equal(hex, v[i].hex);
	}
}

static void test_million_a(void **state)
{
	struct sha256 h;
	char a[1000], hex[65];
	int i;

	(void)state;
	memset(a, 'a', sizeof(a));
	sha256_init(&h);
	for (i = 0; i < 1000; i++)
		sha256_update(&h, a, sizeof(a));
	sha256_final(&h, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	/* the context is reset after final: it hashes the empty message next */
	sha256_final(&h, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_splits(void **state)
{
	unsigned char msg[200];
	char whole[65], hex[65];
	struct sha256 h;
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)(i * 37 + 11);
	sha256_hex(msg, sizeof(msg), whole);
	for (i = 0; i <= sizeof(msg); i++)
		for (j = i; j <= sizeof(msg); j += 7) {
			sha256_init(&h);
			sha256_update(&h, msg, i);
			sha256_update(&h, msg + i, j - i);
			sha256_update(&h, msg + j, sizeof(msg) - j);
			sha256_final(&h, hex);
			assert_string_equal(hex, whole);
		}
}

/* Many lengths, each block path (SHA-NI where the CPU has it, plain C with
 * STEVAL_NO_SHA_NI set): the digest of the digests, from Python's hashlib. */
static void test_lengths(void **state)
{
	struct sha256 all, h;
	unsigned char d[32], msg[1100];
	char hex[65];
	size_t n, i;

	(void)state;
	sha256_init(&all);
	for (n = 0; n < 1100; n += 7) {
		for (i = 0; i < n; i++)
			msg[i] = (unsigned char)((i * 31 + n) & 255);
		sha256_init(&h);
		sha256_update(&h, msg, n);
		sha256_digest(&h, d);
		sha256_update(&all, d, sizeof(d));
	}
	sha256_final(&all, hex);
	assert_string_equal(hex, "f5c9b15fc1fe22e3cbef655d97576b72f5956c29778f0ef391c615edb9c9b4a3");
}

static void test_same_as_libavutil(void **state)
{
	static unsigned char msg[1000];
	static const char digits[] = "0123456789abcdef";
	uint8_t d[32];
	char ours[65], theirs[65];
	uint32_t x = 12345;
	size_t n;
	int i;

	(void)state;
	for (n = 0; n < sizeof(msg); n++) {
		x = x * 1103515245u + 12345u;
		msg[n] = (unsigned char)(x >> 16);
	}
	for (n = 0; n <= sizeof(msg); n++) {
		struct AVSHA *c = av_sha_alloc();

		assert_non_null(c);
		av_sha_init(c, 256);
		av_sha_update(c, msg, (unsigned int)n);
		av_sha_final(c, d);
		av_free(c);
		for (i = 0; i < 32; i++) {
			theirs[2 * i] = digits[d[i] >> 4];
			theirs[2 * i + 1] = digits[d[i] & 15];
		}
		theirs[64] = '\0';
		sha256_hex(msg, n, ours);
		assert_string_equal(ours, theirs);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nist_vectors),
		cmocka_unit_test(test_million_a),
		cmocka_unit_test(test_splits),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_same_as_libavutil),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
