/* Unit test: robust-letter finds its declarations ("the final answer is:")
 * by trying the pattern only where one can begin (scorers/robust.c,
 * decl_search). That must find exactly the matches PCRE2's own search of the
 * pattern finds: checked here, every match in turn as the extractor walks
 * them, on hand-made cases at the edges of the start rule (word boundaries,
 * Unicode white space, the long s that folds to 's', CJK), on 20,000 random
 * texts built from the pattern's pieces, and on every answer of VLM4D's
 * prediction files in ../shared/data/vlm4d/predictions (and of every file
 * under $VLM4D_PREDS, VLM4D's processed_outputs_paper_results, when set). */
#include "lib/common.h"
#include "scorers/extract.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/pystr.h"
#include "lib/rng.h"
#include "lib/util.h"

#include <dirent.h>
#include <setjmp.h>
#include <cmocka.h>

/* Walks every match of both searches the way the extractor does; returns
 * the number of matches, or fails the test on the first difference. */
static size_t same_matches(const char *s, size_t len)
{
	size_t from = 0, n = 0;

	while (from < len) {
		size_t a0 = 0, a1 = 0, b0 = 0, b1 = 0;
		int ra = extract_robust_decl(s, len, from, 1, &a0, &a1);
		int rb = extract_robust_decl(s, len, from, 0, &b0, &b1);
		if (ra != rb || (ra > 0 && (a0 != b0 || a1 != b1))) {
			print_error("differs from offset %zu: fast %d [%zu, %zu), pcre2 %d [%zu, %zu) in '%.*s'\n",
				    from, ra, a0, a1, rb, b0, b1, (int)(len < 300 ? len : 300), s);
			fail();
		}
		if (ra <= 0)
			break;
		n++;
		from = a1 > from ? a1 : from + 1;
	}
	return n;
}

static void test_cases(void **state)
{
	static const char *const cases[] = {
		"The final answer is: B", "FINAL ANSWER: (c)", "Final_Answer = A", "my choice is D",
		"The correct option would be C.", "right answers - 5", "best choice: A", "Answer: B",
		"answers: B", "ans: C", "ans.", "an answer", "I would choose B", "i will pick A",
		"I'll select C", "I go with D", "i\tgo\nwith A", "I\xc2\xa0would choose B",
		"I\xe2\x80\x83pick C", "I\xe3\x80\x80select A", "I\xc2\x85" "choose D",
		/* no word boundary before: ASCII and non-ASCII word characters */
		"xanswer: A", "_answer: A", "3answer: B", "\xc3\xa9" "answer: B", "\xce\xb1" "answer: C",
		"\xe2\x80\x94" "answer: C", "(answer: D)", "\"answer\": \"B\"", "**Answer:** C",
		/* the long s folds to 's' caselessly: "beſt anſwer" is a declaration */
		"be\xc5\xbft choice: B", "an\xc5\xbfwer: C", "an\xc5\xbf: D", "final an\xc5\xbfwer is A",
		/* CJK */
		"最终答案是B", "正确答案为：C", "答案：A", "答案是 D", "最终答B", "正确", "最", "答",
		/* ends and near misses */
		"answer", "an", "a", "i", "I ", "fi", "my", "finally the answer", "Bestanswer",
		"FINAL answer is-3", "final answer is -B", "ANSWER=A", "answer：B", "",
		"The answer is B. Wait, the final answer is C. My answer: D. I pick A.",
	};
	size_t i, total = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		total += same_matches(cases[i], strlen(cases[i]));
	print_message("# %zu declarations in %zu cases\n", total, ARRAY_SIZE(cases));
	assert_true(total >= 40);   /* most cases hold declarations */
}

static void test_random(void **state)
{
	static const char *const parts[] = {
		"final", "Final", "FINAL", "correct", "right", "best", "my", "answer", "Answer", "ans",
		"option", "choice", "choices", "is", "would be", "should be", "must", "be", "i", "I",
		"would", "will", "'ll", "choose", "pick", "select", "go", "with", "最终", "正确", "答案",
		"是", "为", " ", "  ", "\t", "\n", "*", "_", "**", ":", "：", "=", "-", "-3", "(B)", "B",
		"c", "x", "3", "\xc3\xa9", "\xc5\xbf", "\xc2\xa0", "\xe2\x80\x83", ".", ",", "a", "n",
	};
	struct rng r;
	struct buf b = BUF_INIT;
	size_t i, k, total = 0;

	(void)state;
	rng_seed(&r, 20261203);
	for (i = 0; i < 20000; i++) {
		size_t n = 1 + (size_t)rng_below(&r, 24);
		buf_reset(&b);
		for (k = 0; k < n; k++)
			buf_adds(&b, parts[rng_below(&r, ARRAY_SIZE(parts))]);
		total += same_matches(b.data, b.len);
	}
	buf_release(&b);
	print_message("# %zu declarations in 20,000 random texts\n", total);
	assert_true(total > 5000);
}

/* Every "response" of a VLM4D prediction file (a JSON array of records). */
static size_t check_file(const char *path, size_t *answers)
{
	cJSON *root = json_parse_file(path, (size_t)1 << 30), *rec;
	size_t n = 0;

	assert_non_null(root);
	cJSON_ArrayForEach(rec, root) {
		const char *resp = json_get_str(rec, "response");
		if (!resp || !utf8_valid(resp, strlen(resp)))
			continue;
		n += same_matches(resp, strlen(resp));
		(*answers)++;
	}
	cJSON_Delete(root);
	return n;
}

/* The .json files of DIR's subdirectories (real_mc_cot/, ...). */
static size_t check_tree(const char *dir, size_t *files, size_t *answers)
{
	DIR *d = opendir(dir), *sd;
	struct dirent *e, *f;
	size_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char *sub;
		if (e->d_name[0] == '.')
			continue;
		sub = path_join(dir, e->d_name);
		if ((sd = opendir(sub))) {
			while ((f = readdir(sd))) {
				size_t l = strlen(f->d_name);
				char *p;
				if (l < 6 || strcmp(f->d_name + l - 5, ".json"))
					continue;
				p = path_join(sub, f->d_name);
				n += check_file(p, answers);
				(*files)++;
				free(p);
			}
			closedir(sd);
		}
		free(sub);
	}
	closedir(d);
	return n;
}

static void test_predictions(void **state)
{
	const char *extra = getenv("VLM4D_PREDS");
	size_t files = 0, answers = 0, n;

	(void)state;
	n = check_tree("../shared/data/vlm4d/predictions", &files, &answers);
	if (!files)
		skip();
	if (extra && *extra)
		n += check_tree(extra, &files, &answers);
	print_message("# %zu declarations alike in %zu answers of %zu prediction files\n", n, answers,
		      files);
	assert_true(answers >= 2000 && n > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_predictions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
