/*
 * cmd_report.c: `steval report`, `steval compare` and `steval leaderboard`:
 * options glued to reports/ (report.h, compare.h).
 */
#include "lib/common.h"
#include "harness/cli/commands.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "harness/cli/opt.h"
#include "harness/run/summary.h"
#include "lib/util.h"
#include "lib/xalloc.h"
#include "reports/compare.h"
#include "reports/report.h"
#include "suites/suite.h"

#include <math.h>

/*
 * The suite of a run: its spec (the manifest's spec path when that file
 * still exists, else the suite's name on the search path) and, with
 * load, its items (--data, else the manifest's data dir, else
 * $STEVAL_DATA and the spec's default). Errors are collected into why
 * instead of being printed.
 */
static int run_suite(const struct report_run *r, const char *data, int load, struct suite *s,
		     struct buf *why)
{
	const cJSON *ms = json_get(r->manifest, "suite");
	const char *spec = json_get_str(ms, "spec"), *mdata = json_get_str(ms, "data_dir");
	int rc;

	memset(s, 0, sizeof(*s));
	log_capture(why);
	rc = suite_open(s, spec && file_exists(spec) ? spec : report_suite(r));
	if (!rc && strcmp(s->name, report_suite(r)))
		rc = error("the spec found is of suite '%s', not '%s'", s->name, report_suite(r));
	if (!rc && load)
		rc = suite_load(s, data ? data : mdata && dir_exists(mdata) ? mdata : NULL);
	log_capture(NULL);
	if (!rc && spec && json_get_str(ms, "spec_sha256") && strcmp(json_get_str(ms, "spec_sha256"), s->spec_sha256))
		warnf("'%s': the suite spec changed since the run (sha256 %.12s then, %.12s now)",
		      r->dir ? r->dir : "?", json_get_str(ms, "spec_sha256"), s->spec_sha256);
	if (rc < 0) {
		suite_release(s);
		memset(s, 0, sizeof(*s));
	}
	return rc;
}

/* A run directory whose results.json can be rebuilt: manifest and samples. */
static int recomputable(const char *dir)
{
	char *m = path_join(dir, "manifest.json"), *s = path_join(dir, "samples.jsonl");
	int ok = file_exists(m) && file_exists(s);

	free(m);
	free(s);
	return ok;
}

/* The first line of collected messages, for a one-line warning. */
static const char *first_line(struct buf *b)
{
	char *nl = b->data ? memchr(b->data, '\n', b->len) : NULL;

	if (nl)
		*nl = 0;
	return buf_cstr(b);
}

static int parse_level(double level)
{
	return level > 0 && level < 1 ? 0 : error("--level must be between 0 and 1, not %g", level);
}

int cmd_report(int argc, char **argv)
{
	const char *out = NULL, *data = NULL;
	int plot = 0, png = 0, svg = 0, nohtml = 0, stored = 0;
	long resamples = STATS_RESAMPLES, seed = 0;
	double level = STATS_LEVEL;
	const struct opt opts[] = {
		{ "plot", 0, OPT_FLAG, &plot, NULL, "also draw plots with gnuplot (RUN_DIR/plots/, and --out for several runs)" },
		{ "png", 0, OPT_FLAG, &png, NULL, "plots as PNG only (default: PNG and SVG)" },
		{ "svg", 0, OPT_FLAG, &svg, NULL, "plots as SVG only" },
		{ "out", 'o', OPT_STR, &out, "DIR", "where plots comparing several runs go (default ./steval-report)" },
		{ "no-html", 0, OPT_FLAG, &nohtml, NULL, "do not write report.html" },
		{ "stored", 0, OPT_FLAG, &stored, NULL,
		  "render the stored results.json; do not re-summarise samples.jsonl" },
		{ "data", 'd', OPT_STR, &data, "DIR", "the suite's data directory (default: the run's)" },
		{ "resamples", 0, OPT_UINT, &resamples, "N", "bootstrap resamples (default 10000; 0: no intervals)" },
		{ "seed", 0, OPT_UINT, &seed, "N", "bootstrap seed (default 0)" },
		{ "level", 0, OPT_PDOUBLE, &level, "X", "confidence level of the intervals (default 0.95)" },
		OPT_END_MARK,
	};
	const struct opt_cmd cmd = {
		"report", "steval report RUN_DIR... [--plot] [options]",
		"Write the reports of finished runs into their directories: report.md,\n"
		"report.csv, report.json, report.tex and report.html (and plots/ with --plot).\n"
		"results.json is first recomputed from samples.jsonl (bootstrap intervals\n"
		"included) when the suite's spec and data can be found; otherwise, or with\n"
		"--stored, the stored results.json is rendered as it is.",
		opts, 1, SIZE_MAX,
	};
	const char **pos;
	size_t npos, i;
	struct report_run *runs;
	struct summary_opts so;
	struct plot_opts po;
	int rc = opt_parse(&cmd, argc, argv, &pos, &npos), failed = 0;

	if (rc)
		return rc < 0 ? EXIT_USAGE : EXIT_OK;
	if (resamples < 0 || parse_level(level) < 0) {
		if (resamples < 0)
			error("report: --resamples must be 0 or more");
		free(pos);
		return EXIT_USAGE;
	}
	summary_opts_default(&so);
	so.boot.resamples = (size_t)resamples;
	so.boot.seed = (uint64_t)seed;
	so.boot.level = level;
	so.html = !nohtml;
	runs = xcalloc(npos, sizeof(*runs));
	for (i = 0; i < npos; i++) {
		struct report_run *r = &runs[i];
		struct suite s;
		struct buf why = BUF_INIT;
		int done = 0, bad = 0;
		if (report_run_open(r, pos[i]) < 0) {
			if (stored || !recomputable(pos[i])) {
				failed = 1;
				continue;
			}
			/* a missing or broken results.json is rebuilt from samples and manifest */
			warnf("'%s': recomputing results.json from samples.jsonl and manifest.json", pos[i]);
			report_run_adopt(r, pos[i], NULL);
			if (!r->manifest) {
				failed = 1;
				continue;
			}
		}
		if (stored && report_run_verify(r) < 0) {
			failed = 1;
			continue;
		}
		if (!stored) {
			if (run_suite(r, data, 1, &s, &why) == 0) {
				const struct protocol *p = suite_protocol(&s, report_protocol(r));
				if (!p) {
					warnf("'%s': suite '%s' has no protocol '%s' any more; rendering the stored results",
					      pos[i], s.name, report_protocol(r));
				} else {
					char *model = xstrdup(report_model(r));
					char *scoring = xstrdup(json_get_str(r->results, "scoring") ?
								json_get_str(r->results, "scoring") : "official");
					if (summary_write_opts(pos[i], &s, p, model, scoring, &so, NULL) < 0) {
						bad = 1;
					} else {
						/* read back what was just written */
						report_run_release(r);
						if (report_run_open(r, pos[i]) < 0)
							bad = 1;
					}
					done = 1;
					free(model);
					free(scoring);
				}
				suite_release(&s);
			} else {
				warnf("'%s': cannot load suite '%s' (%s); rendering the stored results.json "
				      "(no prompts in report.html)", pos[i], report_suite(r), first_line(&why));
			}
		}
		buf_release(&why);
		if (!r->results) {
			failed = 1;
			continue;
		}
		if (!done && report_write_all(r, !nohtml, NULL) < 0)
			bad = 1;
		if (!bad) {
			char *md = path_join(pos[i], "report.md");
			printf("%s\n", md);
			free(md);
		}
		failed |= bad;
		if (plot && !bad) {
			char *pd = path_join(pos[i], "plots");
			struct report_run *one[1] = { r };
			memset(&po, 0, sizeof(po));
			po.outdir = pd;
			po.png = png;
			po.svg = svg;
			if (report_plot_bars(one, 1, &po) < 0 || report_plot_hist(r, &po) < 0)
				failed = 1;
			else
				printf("%s/\n", pd);
			free(pd);
		}
	}
	if (plot && npos > 1 && !failed) {
		struct report_run **rp = xcalloc(npos, sizeof(*rp));
		for (i = 0; i < npos; i++)
			rp[i] = &runs[i];
		memset(&po, 0, sizeof(po));
		po.outdir = out ? out : "steval-report";
		po.png = png;
		po.svg = svg;
		if (report_plot_bars(rp, npos, &po) < 0 || report_plot_frames(rp, npos, &po) < 0)
			failed = 1;
		if (!failed)
			printf("%s/\n", po.outdir);
		free(rp);
	}
	for (i = 0; i < npos; i++)
		report_run_release(&runs[i]);
	free(runs);
	free(pos);
	return failed ? EXIT_USAGE : EXIT_OK;
}

static int write_out(const char *path, const struct buf *b)
{
	if (!path || !strcmp(path, "-")) {
		fwrite(buf_cstr(b), 1, b->len, stdout);
		return fflush(stdout) == 0 ? 0 : error("cannot write to standard output");
	}
	return write_file_atomic(path, buf_cstr(b), b->len);
}

int cmd_compare(int argc, char **argv)
{
	const char *format = "md", *gate = "categories", *data = NULL, *out = NULL;
	double max_drop = 0, alpha = 0.05;
	long resamples = STATS_RESAMPLES, seed = 0;
	int strict = 0, allow_judge = 0;
	const struct opt opts[] = {
		{ "max-drop", 0, OPT_UDOUBLE, &max_drop, "X", "a drop of more than X points can be a regression (default 0)" },
		{ "alpha", 0, OPT_PDOUBLE, &alpha, "A", "significance: the 1-A interval of the drop must exclude 0 (default 0.05)" },
		{ "gate", 0, OPT_STR, &gate, "WHICH", "groups that can fail: overall, categories (default; with overall), all (+ splits)" },
		{ "format", 'f', OPT_STR, &format, "FMT", "md (default), csv or json" },
		{ "out", 'o', OPT_STR, &out, "FILE", "write the comparison to FILE (default: standard output)" },
		{ "strict", 0, OPT_FLAG, &strict, NULL, "refuse (exit 2) when protocols, frame plans or data differ" },
		{ "allow-judge-mismatch", 0, OPT_FLAG, &allow_judge, NULL,
		  "compare runs judged by different LLM judges (or one judged, one not); refused by default" },
		{ "data", 'd', OPT_STR, &data, "DIR", "the suite's data directory, for splits (default: the base run's)" },
		{ "resamples", 0, OPT_UINT, &resamples, "N", "bootstrap resamples (default 10000)" },
		{ "seed", 0, OPT_UINT, &seed, "N", "bootstrap seed (default 0)" },
		OPT_END_MARK,
	};
	const struct opt_cmd cmd = {
		"compare", "steval compare BASE_DIR NEW_DIR [--max-drop X] [--alpha A] [options]",
		"Compare two runs of one suite over the items both scored: per group the\n"
		"scores, the difference with a paired cluster-bootstrap interval, and\n"
		"McNemar's test over multiple-choice items. Exit status: 0 no regression,\n"
		"1 regression (a gated group dropped by more than --max-drop points and its\n"
		"interval lies below 0), 2 bad input (different suites, no common items,\n"
		"or setup differences with --strict).",
		opts, 2, 2,
	};
	const char **pos;
	size_t npos, i;
	struct report_run base, nw;
	struct compare_opts co;
	struct compare c;
	struct suite s;
	struct buf why = BUF_INIT, text = BUF_INIT;
	enum report_format f;
	int have_suite = 0, rc = opt_parse(&cmd, argc, argv, &pos, &npos);

	if (rc)
		return rc < 0 ? EXIT_USAGE : EXIT_OK;
	memset(&base, 0, sizeof(base));
	memset(&nw, 0, sizeof(nw));
	memset(&c, 0, sizeof(c));
	rc = EXIT_USAGE;
	compare_opts_default(&co);
	co.max_drop = max_drop;
	co.alpha = alpha;
	co.boot.resamples = (size_t)(resamples > 0 ? resamples : 0);
	co.boot.seed = (uint64_t)seed;
	co.boot.level = 1 - alpha;
	co.allow_judge_mismatch = allow_judge;
	if (report_format_parse(format, &f) < 0 || (f != FMT_MD && f != FMT_CSV && f != FMT_JSON)) {
		error("compare: --format is md, csv or json, not '%s'", format);
		goto done;
	}
	if (!strcmp(gate, "overall"))
		co.gate = GATE_OVERALL;
	else if (!strcmp(gate, "categories"))
		co.gate = GATE_CATEGORIES;
	else if (!strcmp(gate, "all"))
		co.gate = GATE_ALL;
	else {
		error("compare: --gate is overall, categories or all, not '%s'", gate);
		goto done;
	}
	if (!(alpha > 0 && alpha < 1) || max_drop < 0 || isnan(max_drop) || resamples < 1) {
		error("compare: --alpha must be in (0, 1), --max-drop 0 or more, --resamples 1 or more");
		goto done;
	}
	if (alpha / 2 * (double)resamples < 10)
		warnf("compare: with %ld resamples the %g%% interval's tails hold fewer than 10 resamples; "
		      "use more --resamples (at least %.0f)", resamples, (1 - alpha) * 100, ceil(20 / alpha));
	/* compare pairs the samples: loaded once, before they are verified */
	if (report_run_open(&base, pos[0]) < 0 || report_run_open(&nw, pos[1]) < 0 ||
	    report_run_samples(&base) < 0 || report_run_samples(&nw) < 0 ||
	    report_run_verify(&base) < 0 || report_run_verify(&nw) < 0)
		goto done;
	if (run_suite(&base, data, 1, &s, &why) == 0)
		have_suite = 1;
	else
		notef("splits are not compared: cannot load suite '%s' (%s)", report_suite(&base), first_line(&why));
	if (compare_runs(&base, &nw, have_suite ? &s : NULL, &co, &c) < 0)
		goto done;
	for (i = 0; i < c.ndiffs; i++)
		(strict ? (void)error("compare: %s", c.diffs[i]) : warnf("compare: %s", c.diffs[i]));
	if (strict && c.ndiffs) {
		error("compare: the runs differ in setup (--strict)");
		goto done;
	}
	if (compare_render(&c, f, &text) < 0 || write_out(out, &text) < 0)
		goto done;
	rc = c.regressions ? EXIT_REGRESSION : EXIT_OK;
done:
	compare_release(&c);
	if (have_suite)
		suite_release(&s);
	report_run_release(&base);
	report_run_release(&nw);
	buf_release(&why);
	buf_release(&text);
	free(pos);
	return rc;
}

int cmd_leaderboard(int argc, char **argv)
{
	const char *format = "md", *out = NULL;
	int reference = 0, ci = 0;
	const struct opt opts[] = {
		{ "format", 'f', OPT_STR, &format, "FMT", "md (default), csv, latex, html or json" },
		{ "reference", 'r', OPT_FLAG, &reference, NULL,
		  "add the published numbers of the suite spec, each with its source as a note; "
		  "--reference TABLE (e.g. 4d-rgpt): a paper's table across suites, its published "
		  "rows and the runs (of any of its suites) as new rows" },
		{ "ci", 0, OPT_FLAG, &ci, NULL, "show each run's confidence intervals" },
		{ "out", 'o', OPT_STR, &out, "FILE", "write the table to FILE (default: standard output)" },
		OPT_END_MARK,
	};
	const struct opt_cmd cmd = {
		"leaderboard", "steval leaderboard RUN_DIR... [--format FMT] [--reference [TABLE]] [--ci]",
		"One table for many runs of one suite: the paper's columns in the paper's\n"
		"order, runs sorted by the overall score, the best value of each column in\n"
		"bold. With --reference TABLE (suites/tables/TABLE.json: 4d-rgpt), a paper's\n"
		"table across suites instead: its published rows, then one row per model of\n"
		"the runs, each run in its suite's column.",
		opts, 1, SIZE_MAX,
	};
	const char **pos;
	size_t npos, i;
	struct report_run *runs, **rp;
	struct leaderboard_opts lo;
	struct suite s;
	char *table_path = NULL;
	struct buf text = BUF_INIT, why = BUF_INIT;
	int have_suite = 0, rc = opt_parse(&cmd, argc, argv, &pos, &npos);

	if (rc)
		return rc < 0 ? EXIT_USAGE : EXIT_OK;
	memset(&lo, 0, sizeof(lo));
	lo.ci = ci;
	runs = xcalloc(npos, sizeof(*runs));
	rp = xcalloc(npos, sizeof(*rp));
	rc = EXIT_USAGE;
	if (report_format_parse(format, &lo.format) < 0) {
		error("leaderboard: --format is md, csv, latex, html or json, not '%s'", format);
		goto done;
	}
	if (reference) {
		/* --reference TABLE: a positional argument that is no directory but names a table */
		for (i = 0; i < npos && !table_path; i++)
			if (!dir_exists(pos[i]) && (table_path = suite_find_table(pos[i]))) {
				memmove(&pos[i], &pos[i + 1], (npos - i - 1) * sizeof(*pos));
				npos--;
			}
	}
	if (!npos && !table_path) {
		error("leaderboard: no run directories");
		goto done;
	}
	for (i = 0; i < npos; i++) {
		if (report_run_open(&runs[i], pos[i]) < 0 || report_run_verify(&runs[i]) < 0)
			goto done;
		rp[i] = &runs[i];
	}
	if (table_path) {
		cJSON *t = json_parse_file(table_path, (size_t)16 << 20);
		int trc;
		if (!t)
			goto done;
		trc = report_reference_table(rp, npos, t, lo.format, &text);
		cJSON_Delete(t);
		if (trc < 0 || write_out(out, &text) < 0)
			goto done;
		rc = EXIT_OK;
		goto done;
	}
	if (reference) {
		if (run_suite(&runs[0], NULL, 0, &s, &why) < 0) {
			error("leaderboard: --reference needs the spec of suite '%s': %s", report_suite(&runs[0]),
			      first_line(&why));
			goto done;
		}
		have_suite = 1;
		lo.reference = json_get(s.spec, "reference");
		if (!lo.reference)
			warnf("suite '%s' lists no published numbers (\"reference\")", s.name);
	}
	if (report_leaderboard(rp, npos, &lo, &text) < 0 || write_out(out, &text) < 0)
		goto done;
	rc = EXIT_OK;
done:
	if (have_suite)
		suite_release(&s);
	for (i = 0; i < npos; i++)
		report_run_release(&runs[i]);
	free(runs);
	free(rp);
	buf_release(&text);
	free(table_path);
	buf_release(&why);
	free(pos);
	return rc;
}
