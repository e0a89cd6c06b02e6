/* Unit tests: the request body with borrowed spans as libcurl reads it
 * (httpq_body_read / httpq_body_seek against bufrefs_flatten), on seeded
 * random layouts: empty and adjacent spans, spans at both ends, reads of
 * every size, seeks anywhere. The transfers themselves are tested end to
 * end (tests/e2e/t_dispatch_*.sh). */
#include "lib/common.h"
#include "adapters/http/httpq.h"
#include "lib/buf.h"
#include "lib/rng.h"

#include <setjmp.h>
#include <cmocka.h>

struct layout {
	struct buf text;            /* the inline JSON */
	struct bufrefs refs;
	struct buf flat;            /* what must be sent */
	char src[4096];             /* what the spans borrow */
};

static void make_layout(struct layout *l, struct rng *g)
{
	size_t len = (size_t)rng_below(g, 300), n = (size_t)rng_below(g, 7), i, at = 0;

	memset(l, 0, sizeof(*l));
	buf_init(&l->text, BUF_MAX_DEFAULT);
	buf_init(&l->flat, BUF_MAX_DEFAULT);
	for (i = 0; i < sizeof(l->src); i++)
		l->src[i] = (char)('a' + i % 26);
	for (i = 0; i < len; i++)
		buf_addch(&l->text, "{}\":,[]0123456789"[rng_below(g, 17)]);
	for (i = 0; i < n; i++) {
		size_t off = (size_t)rng_below(g, 3000), sl = (size_t)rng_below(g, 4) ? (size_t)rng_below(g, 700) : 0;
		/* ascending offsets, sometimes equal (adjacent spans), sometimes at the ends */
		at += rng_below(g, 3) ? (size_t)rng_below(g, len - at + 1) : 0;
		if (rng_below(g, 8) == 0)
			at = len;
		bufrefs_add(&l->refs, at, l->src + off, sl);
	}
	bufrefs_flatten(&l->text, &l->refs, &l->flat);
}

static void free_layout(struct layout *l)
{
	buf_release(&l->text);
	buf_release(&l->flat);
	bufrefs_release(&l->refs);
}

static void xfer_of(struct httpq_xfer *x, const struct layout *l)
{
	memset(x, 0, sizeof(*x));
	x->body = buf_cstr(&l->text);
	x->body_len = l->text.len;
	x->refs = l->refs.v;
	x->nrefs = l->refs.n;
}

/* Read to the end in chunks of 1..max bytes into out. */
static void read_all(struct httpq_xfer *x, struct rng *g, size_t max, struct buf *out)
{
	char chunk[128];
	size_t n;

	assert_true(max <= sizeof(chunk));
	while ((n = httpq_body_read(x, chunk, 1 + (size_t)rng_below(g, max))) > 0)
		buf_add(out, chunk, n);
	/* at the end, reads give nothing */
	assert_int_equal(httpq_body_read(x, chunk, sizeof(chunk)), 0);
}

static void test_body_reader(void **state)
{
	struct rng g;
	int round;

	(void)state;
	rng_seed(&g, 14);
	for (round = 0; round < 500; round++) {
		struct layout l;
		struct httpq_xfer x;
		struct buf got = BUF_INIT;
		size_t total, pos;
		int k;

		make_layout(&l, &g);
		xfer_of(&x, &l);
		total = httpq_body_len(&x);
		assert_int_equal(total, l.flat.len);
		assert_int_equal(total, l.text.len + l.refs.bytes);
		assert_int_equal(httpq_body_seek(&x, 0), 0);
		read_all(&x, &g, 1 + (size_t)rng_below(&g, 127), &got);
		assert_int_equal(got.len, total);
		assert_memory_equal(got.data ? got.data : "", buf_cstr(&l.flat), total);
		/* libcurl's rewinds: from any position to the end */
		for (k = 0; k < 4; k++) {
			pos = k == 0 ? total : (size_t)rng_below(&g, total + 1);
			buf_reset(&got);
			assert_int_equal(httpq_body_seek(&x, pos), 0);
			read_all(&x, &g, 64, &got);
			assert_int_equal(got.len, total - pos);
			assert_memory_equal(got.data ? got.data : "", buf_cstr(&l.flat) + pos, total - pos);
		}
		assert_int_equal(httpq_body_seek(&x, total + 1), -1);
		buf_release(&got);
		free_layout(&l);
	}
}

/* A body without spans reads as itself (the same path serves both). */
static void test_body_plain(void **state)
{
	struct httpq_xfer x;
	char out[16];

	(void)state;
	memset(&x, 0, sizeof(x));
	x.body = "{\"a\":1}";
	x.body_len = 7;
	assert_int_equal(httpq_body_len(&x), 7);
	assert_int_equal(httpq_body_seek(&x, 2), 0);
	assert_int_equal(httpq_body_read(&x, out, sizeof(out)), 5);
	assert_memory_equal(out, "a\":1}", 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_reader),
		cmocka_unit_test(test_body_plain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
