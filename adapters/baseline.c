/*
 * baseline.c: built-in baselines, fully offline.
 *
 *   baseline:random     a uniformly random option letter, seeded by the run
 *                       seed and the item id (the "chance level (random)" row);
 *                       numeric questions: a uniform draw between the smallest
 *                       and the largest truth of the item's category
 *   baseline:frequency  the "chance level (frequency)" row of the papers: the
 *                       most frequent answer of the item's category (compared
 *                       as option text, so "left" is answered wherever "left"
 *                       is an option, else the most frequent letter); numeric
 *                       questions: the mean truth of the category
 *   baseline:first      always the first option; numeric questions: 0
 *
 * The frequency baseline reads the truths, as the papers' rows do: it is a
 * reference line, not a model. Baseline answers are the answer itself
 * (struct answer.direct): they are scored without an extractor.
 */
#include "lib/common.h"
#include "adapters/adapter.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/pystr.h"
#include "lib/rng.h"
#include "lib/xalloc.h"
#include "suites/suite.h"

#include <math.h>

enum kind { B_RANDOM, B_FREQUENCY, B_FIRST };

struct catstat {
	const char *category;
	double min, max, sum;
	size_t nnum;
	/* most frequent truth text and letter (ties: first seen) */
	char **texts;
	size_t *tcount, ntexts, talloc;
	size_t letters[26];
	const char *best_text;
	int best_letter;
};

struct bstate {
	enum kind kind;
	struct catstat *cats;
	size_t ncats;
};

static struct catstat *cat_of(struct bstate *b, const char *name)
{
	size_t i;

	for (i = 0; i < b->ncats; i++)
		if (!strcmp(b->cats[i].category, name))
			return &b->cats[i];
	return NULL;
}

static const char *truth_text(const struct item *it)
{
	size_t i;

	const char *letter = it->type->kind == ANS_INDEX ? it->accepted : it->answer;

	if (it->type->kind != ANS_LETTER && it->type->kind != ANS_INDEX)
		return it->answer;
	for (i = 0; i < it->nopt; i++)
		if (!strcmp(it->opts[i].letter, letter))
			return it->opts[i].text;
	return it->answer;
}

static void learn(struct bstate *b, const struct suite *s)
{
	size_t i, j;

	b->cats = xcalloc(s->nitems ? s->nitems : 1, sizeof(*b->cats));
	for (i = 0; i < s->nitems; i++) {
		const struct item *it = &s->items[i];
		struct catstat *c = cat_of(b, it->category);
		if (!c) {
			c = &b->cats[b->ncats++];
			c->category = it->category;
			c->min = INFINITY;
			c->max = -INFINITY;
		}
		if (it->type->kind == ANS_NUMBER) {
			if (!isnan(it->answer_num)) {
				c->sum += it->answer_num;
				c->nnum++;
				if (it->answer_num < c->min)
					c->min = it->answer_num;
				if (it->answer_num > c->max)
					c->max = it->answer_num;
			}
			continue;
		}
		if (it->accepted[0] >= 'A' && it->accepted[0] <= 'Z')
			c->letters[it->accepted[0] - 'A']++;
		{
			const char *t = truth_text(it);
			for (j = 0; j < c->ntexts; j++)
				if (!strcmp(c->texts[j], t))
					break;
			if (j == c->ntexts) {
				ALLOC_GROW(c->texts, c->ntexts + 1, c->talloc);
				c->tcount = xrealloc(c->tcount, c->talloc * sizeof(*c->tcount));
				c->texts[c->ntexts] = (char *)t;
				c->tcount[c->ntexts++] = 0;
			}
			c->tcount[j]++;
		}
	}
	for (i = 0; i < b->ncats; i++) {
		struct catstat *c = &b->cats[i];
		size_t best = 0;
		for (j = 0; j < c->ntexts; j++)
			if (c->tcount[j] > best) {
				best = c->tcount[j];
				c->best_text = c->texts[j];
			}
		best = 0;
		c->best_letter = 0;
		for (j = 0; j < 26; j++)
			if (c->letters[j] > best) {
				best = c->letters[j];
				c->best_letter = (int)j;
			}
	}
}

static int bl_open(struct model *m, const struct suite *s)
{
	struct bstate *b = xcalloc(1, sizeof(*b));
	const char *rest = m->ep.model;

	if (!strcmp(rest, "random"))
		b->kind = B_RANDOM;
	else if (!strcmp(rest, "frequency"))
		b->kind = B_FREQUENCY;
	else if (!strcmp(rest, "first"))
		b->kind = B_FIRST;
	else {
		free(b);
		return error("model '%s': unknown baseline '%s' (random, frequency, first)", m->spec, rest);
	}
	learn(b, s);
	m->state = b;
	return 0;
}

static void bl_close(struct model *m)
{
	struct bstate *b = m->state;
	size_t i;

	if (!b)
		return;
	for (i = 0; i < b->ncats; i++) {
		free(b->cats[i].texts);
		free(b->cats[i].tcount);
	}
	free(b->cats);
	free(b);
}

static int bl_needs_media(const struct model *m)
{
	(void)m;
	return 0;
}

static int bl_answer(struct model *m, const struct request *rq, struct answer *out)
{
	struct bstate *b = m->state;
	const struct item *it = rq->it;
	struct catstat *c = cat_of(b, it->category);
	struct buf t = BUF_INIT;
	struct rng r;
	size_t i;

	answer_init(out);
	out->direct = 1;
	rng_seed_str(&r, rq->seed, it->id);
	if (it->type->kind == ANS_NUMBER) {
		double v = 0;
		if (b->kind == B_RANDOM && c && c->nnum)
			v = c->min + rng_unit(&r) * (c->max - c->min);
		else if (b->kind == B_FREQUENCY && c && c->nnum)
			v = c->sum / (double)c->nnum;
		py_float_repr(v, &t);
	} else if (!it->nopt) {
		buf_adds(&t, "");
	} else if (b->kind == B_RANDOM) {
		buf_adds(&t, it->opts[rng_below(&r, it->nopt)].letter);
	} else if (b->kind == B_FIRST) {
		buf_adds(&t, it->opts[0].letter);
	} else {
		const char *pick = NULL;
		for (i = 0; c && c->best_text && i < it->nopt && !pick; i++)
			if (!strcmp(it->opts[i].text, c->best_text))
				pick = it->opts[i].letter;
		if (!pick) {
			char l[2] = { (char)('A' + (c ? c->best_letter : 0)), 0 };
			for (i = 0; i < it->nopt && !pick; i++)
				if (!strcmp(it->opts[i].letter, l))
					pick = it->opts[i].letter;
			if (!pick)
				pick = it->opts[0].letter;
		}
		buf_adds(&t, pick);
	}
	out->text = buf_detach(&t, NULL);
	out->finish_reason = xstrdup("stop");
	return 0;
}

const struct adapter_ops adapter_baseline = {
	.name = "baseline",
	.summary = "built-in baselines: random, frequency, first (offline)",
	.open = bl_open,
	.close = bl_close,
	.needs_media = bl_needs_media,
	.answer = bl_answer,
	.concurrency = 1,
};
