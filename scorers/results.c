#include "harness/common.h"
#include "scorers/results.h"
#include "harness/buf.h"
#include "harness/json.h"
#include "suites/suite.h"

void results_to_json(const struct results *r, struct buf *out)
{
	const struct suite *s = r->s;
	struct jw w;
	size_t i;

	jw_init(&w, out, 1);
	jw_obj(&w);
	jw_key(&w, "suite");
	jw_str(&w, s->name);
	jw_key(&w, "suite_title");
	jw_str(&w, s->title);
	jw_key(&w, "protocol");
	jw_str(&w, r->p->name);
	jw_key(&w, "model");
	jw_str(&w, r->model);
	jw_key(&w, "scoring");
	jw_str(&w, r->scoring);
	jw_key(&w, "aggregation");
	jw_obj(&w);
	jw_key(&w, "overall");
	jw_str(&w, s->overall);
	jw_key(&w, "over");
	jw_str(&w, s->over_leaves ? "leaves" : "top");
	jw_key(&w, "scale");
	jw_num(&w, s->scale);
	jw_key(&w, "round");
	if (s->round_digits >= 0)
		jw_int(&w, s->round_digits);
	else
		jw_null(&w);
	jw_end(&w);
	agg_write_json(&r->main, &w);
	if (r->nv) {
		jw_key(&w, "variants");
		jw_obj(&w);
		for (i = 0; i < r->nv; i++) {
			jw_key(&w, r->vnames[i]);
			jw_obj(&w);
			agg_write_json(&r->var[i], &w);
			jw_end(&w);
		}
		jw_end(&w);
	}
	jw_key(&w, "items");
	jw_obj(&w);
	jw_key(&w, "suite");
	jw_int(&w, (long long)s->nitems);
	jw_key(&w, "scored");
	jw_int(&w, (long long)(r->main.overall.ok + r->main.overall.unparsed));
	jw_key(&w, "missing");
	jw_int(&w, (long long)(s->nitems - r->nsamples));
	jw_end(&w);
	jw_key(&w, "category_order");
	jw_arr(&w);
	for (i = 0; i < r->main.ncats; i++)
		if (r->main.cats[i].n)
			jw_str(&w, r->main.cats[i].name);
	jw_end(&w);
	jw_end(&w);
	buf_addch(out, '\n');
}

void results_release(struct results *r)
{
	size_t i;

	agg_release(&r->main);
	for (i = 0; i < r->nv; i++)
		agg_release(&r->var[i]);
	r->nv = 0;
}
