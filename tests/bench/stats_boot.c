/*
 * stats_boot: the bootstrap of tests/bench/score.sh, before and after.
 *
 *   stats_boot [RESAMPLES [ITEMS [CLUSTERS [VALUES]]]]
 *   stats_boot -f ITEMS.tsv [RESAMPLES]
 *
 * With -f the items are read from a file, one per line: cluster, then the
 * names of its groups separated by commas, then its values (score.sh
 * writes it from a real run's samples.jsonl). Otherwise it
 * builds a VLM4D-shaped problem (1,816 items in 1,000 video clusters, four
 * categories, six splits and the overall, 0/1 scores for the official
 * score and two variants that agree with it on 97% of items), then times
 *   per-cluster  the resampling loop over every drawn cluster (the loop
 *                steval used before; stats_opts.per_cluster = 1) and the
 *                intervals from fully sorted replicates (qsort);
 *   types        interchangeable clusters merged, the intervals from two
 *                selected order statistics (what steval does now);
 * checks that both give the same replicates and intervals bit for bit, and
 * prints "per_cluster=S types=S speedup=X identical=1" (best of three runs
 * each).
 */
#include "lib/common.h"
#include "scorers/stats.h"
#include "lib/rng.h"
#include "lib/util.h"

#include <math.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The intervals the way steval computed them before: sort, interpolate. */
static void ci_sorted(const struct stats_boot *b, size_t g, size_t v, double level, double *lo,
		      double *hi)
{
	size_t B = b->resamples, r, m = 0;
	const double *a = b->rep + (g * b->nv + v) * B;
	double *x = malloc(B * sizeof(double));

	for (r = 0; r < B; r++)
		if (!isnan(a[r]))
			x[m++] = a[r];
	qsort(x, m, sizeof(double), cmp_double);
	*lo = stats_quantile(x, m, (1 - level) / 2);
	*hi = stats_quantile(x, m, 1 - (1 - level) / 2);
	free(x);
}

static void build(struct stats_boot *b, long items, long clusters, long nv)
{
	size_t cat[4], split[6], all, groups[3];
	struct rng r;
	long i, v;
	char key[32];

	stats_init(b, (size_t)nv);
	for (i = 0; i < 4; i++)
		cat[i] = stats_group_items(b);
	for (i = 0; i < 6; i++)
		split[i] = stats_group_items(b);
	all = stats_group_items(b);
	rng_seed(&r, 42);
	for (i = 0; i < items; i++) {
		double val[8];
		long c = i < clusters ? i : (long)(rng_next(&r) % (uint64_t)clusters);
		int k = (int)(rng_next(&r) % 4);
		snprintf(key, sizeof(key), "video%ld", c);
		/* the official score right for 55%; each variant agrees with it
		 * on 97% of items (as rules and robust do on VLM4D's verdicts) */
		val[0] = (rng_next(&r) >> 11) % 100 < 55 ? 1.0 : 0.0;
		for (v = 1; v < nv && v < 8; v++)
			val[v] = (rng_next(&r) >> 11) % 100 < 97 ? val[0] : 1.0 - val[0];
		groups[0] = cat[k];
		groups[1] = split[k < 2 ? 0 : 3];
		groups[2] = all;
		stats_add(b, key, groups, 3, val);
	}
	(void)split;
}

/* Items from a TSV file: cluster, groups (comma-separated names), values. */
static int load(struct stats_boot *b, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096], names[64][64];
	size_t ng = 0, nv = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *tok, *cl = strtok_r(line, "\t\n", &save), *gs = strtok_r(NULL, "\t\n", &save),
		     *gsave = NULL;
		size_t groups[16], n = 0, k, nval = 0;
		double val[8];
		if (!cl || !gs)
			continue;
		for (tok = strtok_r(NULL, "\t\n", &save); tok && nval < 8; tok = strtok_r(NULL, "\t\n", &save))
			val[nval++] = strcmp(tok, "nan") ? strtod(tok, NULL) : NAN;
		if (!nv) {
			nv = nval;
			stats_init(b, nv);
		}
		if (nval != nv)
			continue;
		for (tok = strtok_r(gs, ",", &gsave); tok && n < 16; tok = strtok_r(NULL, ",", &gsave)) {
			for (k = 0; k < ng && strcmp(names[k], tok); k++)
				;
			if (k == ng && ng < 64) {
				snprintf(names[ng++], sizeof(names[0]), "%s", tok);
				stats_group_items(b);
			}
			if (k < ng)
				groups[n++] = k;
		}
		stats_add(b, cl, groups, n, val);
	}
	fclose(f);
	return nv ? 0 : -1;
}

static double run(struct stats_boot *b, size_t B, int per_cluster, double *cis)
{
	struct stats_opts o;
	size_t g, v;
	double t0 = mono_now();

	stats_opts_default(&o);
	o.resamples = B;
	o.per_cluster = per_cluster;
	o.threads = 1;
	if (stats_run(b, &o, 100) < 0)
		exit(1);
	for (g = 0; g < b->ngroups; g++)
		for (v = 0; v < b->nv; v++) {
			double *c = cis + (g * b->nv + v) * 2;
			if (per_cluster) {
				ci_sorted(b, g, v, o.level, &c[0], &c[1]);
			} else {
				struct stats_ci ci;
				stats_ci(b, g, v, -1, o.level, &ci);
				c[0] = ci.lo;
				c[1] = ci.hi;
			}
		}
	return mono_now() - t0;
}

int main(int argc, char **argv)
{
	long B = 10000, items = 1816, clusters = 1000, nv = 3;
	struct stats_boot a, b;
	double ta, tb, *ca, *cb;
	size_t width;
	int same, rep;

	if (argc > 2 && !strcmp(argv[1], "-f")) {
		if ((argc > 3 && parse_long(argv[3], &B) < 0) || load(&a, argv[2]) < 0 ||
		    load(&b, argv[2]) < 0) {
			fprintf(stderr, "stats_boot: cannot read '%s'\n", argv[2]);
			return 2;
		}
		goto built;
	}
	if ((argc > 1 && parse_long(argv[1], &B) < 0) || (argc > 2 && parse_long(argv[2], &items) < 0) ||
	    (argc > 3 && parse_long(argv[3], &clusters) < 0) || (argc > 4 && parse_long(argv[4], &nv) < 0) ||
	    B < 1 || items < 1 || clusters < 1 || clusters > items || nv < 1 || nv > 8) {
		fprintf(stderr, "usage: stats_boot [RESAMPLES [ITEMS [CLUSTERS [VALUES]]]]\n");
		return 2;
	}
	build(&a, items, clusters, nv);
	build(&b, items, clusters, nv);
built:
	width = a.ngroups * a.nv;
	ca = calloc(width * 2, sizeof(double));
	cb = calloc(width * 2, sizeof(double));
	/* the best of three runs of each (machines are noisy) */
	ta = tb = 1e9;
	for (rep = 0; rep < 3; rep++) {
		double x = run(&a, (size_t)B, 1, ca), y = run(&b, (size_t)B, 0, cb);
		ta = x < ta ? x : ta;
		tb = y < tb ? y : tb;
	}
	same = !memcmp(a.rep, b.rep, width * (size_t)B * sizeof(double)) &&
	       !memcmp(ca, cb, width * 2 * sizeof(double));
	printf("per_cluster=%.4f types=%.4f speedup=%.1f identical=%d\n", ta, tb, ta / tb, same);
	stats_release(&a);
	stats_release(&b);
	free(ca);
	free(cb);
	return same ? 0 : 1;
}
