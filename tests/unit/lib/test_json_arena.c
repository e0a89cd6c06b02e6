/* Unit test: the JSON arena (lib/json.h). Trees parsed by a thread between
 * json_arena_use(1) and (0) come from the arena, whose frees do nothing;
 * everything else is malloc's as before, in the same process, after the
 * hooks are installed; two threads fill their own slabs at once; a string
 * too big for a slab comes from malloc inside an arena tree. Where the
 * address space cannot be reserved (valgrind, ulimit -v) the arena is off
 * and the tests skip. A separate binary: the hooks are process-wide. */
#include "lib/common.h"
#include "lib/buf.h"
#include "lib/json.h"

#include <pthread.h>
#include <setjmp.h>
#include <cmocka.h>

/* [{"id": "k0", "n": 0, "s": "..."} ...], n records */
static void records(struct buf *b, size_t n, const char *tag)
{
	size_t i;

	buf_addch(b, '[');
	for (i = 0; i < n; i++)
		buf_addf(b, "%s{\"id\": \"%s%zu\", \"n\": %zu, \"x\": 1.50, \"s\": \"caf\\u00e9 \\\"%zu\\\"\"}",
			 i ? "," : "", tag, i, i, i);
	buf_addch(b, ']');
}

static int check_records(const cJSON *root, size_t n, const char *tag)
{
	const cJSON *e;
	size_t i = 0;
	char want[32];

	cJSON_ArrayForEach(e, root) {
		snprintf(want, sizeof(want), "%s%zu", tag, i);
		if (strcmp(json_get_str(e, "id"), want) || (size_t)json_get(e, "n")->valuedouble != i ||
		    strcmp(json_spelling(json_get(e, "x")), "1.5"))
			return 0;
		i++;
	}
	return i == n;
}

static void test_arena_and_malloc(void **state)
{
	struct buf b = BUF_INIT;
	cJSON *in, *out, *big;
	struct buf s = BUF_INIT;
	size_t i;

	(void)state;
	if (json_arena_enable() < 0)
		skip();   /* no 64 GiB of address space (valgrind, ulimit -v): score uses malloc */
	assert_int_equal(json_arena_enable(), 0);   /* once is enough */
	records(&b, 5000, "a");

	json_arena_use(1);
	in = json_parse(buf_cstr(&b), b.len, "in", 0);
	json_arena_use(0);
	assert_non_null(in);
	assert_true(json_arena_owns(in));
	assert_true(json_arena_owns(in->child));
	assert_true(json_arena_owns(in->child->child->valuestring));
	assert_true(check_records(in, 5000, "a"));

	out = json_parse(buf_cstr(&b), b.len, "out", 0);   /* after use(0): malloc */
	assert_non_null(out);
	assert_false(json_arena_owns(out));
	assert_false(json_arena_owns(out->child));
	assert_true(check_records(out, 5000, "a"));
	cJSON_Delete(out);   /* freed for real (a leak check would see otherwise) */

	/* freeing arena nodes frees nothing and breaks nothing */
	cJSON_Delete(cJSON_DetachItemFromArray(in, 0));
	assert_int_equal(cJSON_GetArraySize(in), 4999);
	cJSON_Delete(in);

	/* a string bigger than a slab's share comes from malloc */
	buf_adds(&s, "{\"big\": \"");
	for (i = 0; i < ((size_t)1 << 20); i++)
		buf_addch(&s, 'x');
	buf_adds(&s, "\"}");
	json_arena_use(1);
	big = json_parse(buf_cstr(&s), s.len, "big", 0);
	json_arena_use(0);
	assert_non_null(big);
	assert_true(json_arena_owns(big));
	assert_false(json_arena_owns(json_get(big, "big")->valuestring));
	assert_int_equal(strlen(json_get_str(big, "big")), (size_t)1 << 20);
	cJSON_Delete(big);   /* its string is freed, its nodes are not */
	buf_release(&s);
	buf_release(&b);
}

struct worker {
	const char *tag;
	cJSON *root;
};

static void *parse_thread(void *arg)
{
	struct worker *w = arg;
	struct buf b = BUF_INIT;

	records(&b, 20000, w->tag);
	json_arena_use(1);
	w->root = json_parse(buf_cstr(&b), b.len, w->tag, 0);
	json_arena_use(0);
	buf_release(&b);
	return NULL;
}

static void test_two_threads(void **state)
{
	struct worker w[2] = { { "p", NULL }, { "q", NULL } };
	pthread_t t[2];
	size_t i;

	(void)state;
	if (json_arena_enable() < 0)
		skip();
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, parse_thread, &w[i]), 0);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 2; i++) {
		assert_non_null(w[i].root);
		assert_true(json_arena_owns(w[i].root));
		assert_true(check_records(w[i].root, 20000, w[i].tag));
		cJSON_Delete(w[i].root);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_and_malloc),
		cmocka_unit_test(test_two_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
