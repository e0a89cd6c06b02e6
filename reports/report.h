/*
 * report.h: reports people publish, rendered from a run directory.
 *
 * Everything here reads what a run left on disk (results.json, and when
 * needed manifest.json and samples.jsonl), so `steval report RUN_DIR` can
 * redo any report at any time. Per run (written into the run directory):
 *
 *   report.md     scores, confidence intervals, counts, run facts
 *   report.csv    one row per group (overall, categories, splits, variants)
 *   report.json   the paper's table: columns in the paper's order
 *   report.tex    LaTeX (booktabs) tables: the paper's row and the detail
 *   report.html   one self-contained page: the summary, then every sample
 *   plots/        gnuplot scripts, data and PNG/SVG images (--plot)
 *
 * Text from a run (category, model, split names, model answers) is
 * untrusted: every renderer escapes it for its format and replaces invalid
 * UTF-8 (see the report_esc_* helpers). docs/reports.md describes the files.
 *
 * Ownership: struct report_run owns its trees and strings.
 */
#ifndef STEVAL_REPORT_H
#define STEVAL_REPORT_H

#include "lib/common.h"
#include "lib/json.h"

struct buf;

struct report_run {
	char *dir;                /* the run directory (NULL for in-memory results) */
	cJSON *results;           /* results.json */
	cJSON *manifest;          /* manifest.json, or NULL (steval score output) */
	cJSON **samples;          /* samples.jsonl, the last line of each id (and repeat: runs with
				     --repeats); after report_run_samples() */
	size_t nsamples;
	int samples_loaded;
};

/* Read DIR/results.json (required) and DIR/manifest.json (if present). */
int report_run_open(struct report_run *r, const char *dir);
/* Adopt a parsed results tree (takes ownership); dir may be NULL. */
void report_run_adopt(struct report_run *r, const char *dir, cJSON *results);
/* Read DIR/samples.jsonl (a missing file gives no samples). Every record is
 * checked with report_check_sample(): a bad one fails naming file and line. */
int report_run_samples(struct report_run *r);
/* A sample's "repeat" (runs with --repeats), or -1. */
long report_sample_repeat(const cJSON *smp);
/* Which of N samples.jsonl lines count, by their ids and repeats (in file
 * order): keep[i] is 1 for the last line of each id and repeat, else 0. */
void report_last_lines(const char *const *ids, const long *reps, size_t n, unsigned char *keep);
/* One samples.jsonl record (and each of its "variants"): "status" is ok,
 * unparsed or error, "score" a number in [0, 1] (null or absent only for
 * error). 0, or -1 with an error naming file and line. */
int report_check_sample(const cJSON *rec, const char *file, size_t line);
/* results.json against samples.jsonl (when there is one): the overall ok,
 * unparsed and error counts may not exceed the samples' (the summary skips
 * only samples of unknown items), and scores must be finite. 0, or -1 with
 * an error naming the file and what disagrees. Loads the samples. */
int report_run_verify(struct report_run *r);
void report_run_release(struct report_run *r);

/* Facts of a run, read from results.json, else manifest.json. */
const char *report_suite(const struct report_run *r);
const char *report_model(const struct report_run *r);
const char *report_protocol(const struct report_run *r);
/* The group object a column names ({"kind", "name"}), or NULL. */
const cJSON *report_group(const cJSON *results, const char *kind, const char *name);
/* The paper's columns: results.json "columns", else overall + category_order.
 * Returns a new array the caller frees with cJSON_Delete(). */
cJSON *report_columns(const cJSON *results);
/* Number of frames the run sent per item (manifest frame plan "count"), or -1. */
long report_frame_count(const struct report_run *r);
/* Partial results (steval merge --partial): appends one sentence saying
 * what is missing ("shard 1 of 3 missing; 40 of 120 items have no
 * sample (steval merge --partial)") and returns 1; returns 0 (nothing appended) when
 * results.json has no "partial". */
int report_partial(const cJSON *results, struct buf *out);
/* A group's number, or NAN when absent or null. */
double report_num(const cJSON *g, const char *key);
/* A group's interval; 0 when it has none. */
int report_ci(const cJSON *g, double *lo, double *hi);

/* Renderers (append to out). */
int report_md(const struct report_run *r, struct buf *out);
int report_csv(const struct report_run *r, struct buf *out);
int report_json(const struct report_run *r, struct buf *out);
int report_latex(const struct report_run *r, struct buf *out);

/* The HTML page. Callbacks are optional. */
struct report_html_opts {
	/* The exact prompt of an item: appends system (may stay empty) and
	 * user text; *verified is set when it hashes to the stored
	 * prompt_sha256. Returns -1 when it cannot be rendered. */
	int (*prompt)(void *ctx, const cJSON *sample, struct buf *system, struct buf *user,
		      int *verified);
	/* A thumbnail of a frame: appends a URL (a data: URI or a path
	 * relative to the page) and returns 0, or returns -1 when there is
	 * none (the frame's index and pts are shown instead). Unset: the
	 * run's own RUN_DIR/frames/SHA256.jpg when it exists. */
	int (*thumb)(void *ctx, const cJSON *sample, const cJSON *frame, struct buf *url);
	void *ctx;
	/* The samples' articles, rendered as samples.jsonl was read (below);
	 * NULL: report_html() reads the samples itself. */
	struct report_html_stream *stream;
};
int report_html(struct report_run *r, const struct report_html_opts *o, struct buf *out);

/*
 * report.html without keeping the samples: each record of samples.jsonl,
 * checked (report_check_sample()) and in file order, is given to
 * report_html_stream_add() as it is read, which renders its article with
 * the callbacks of O (borrowed, as is nothing else); report_html() with
 * opts.stream set then builds the page from them (the last line of each id
 * and repeat, as report_run_samples() keeps) and r->results, the same bytes
 * as from the samples themselves. DIR is the run directory (thumbnails).
 */
struct report_html_stream;
struct report_html_stream *report_html_stream_new(const char *dir, const struct report_html_opts *o);
void report_html_stream_add(struct report_html_stream *h, const cJSON *smp);
void report_html_stream_free(struct report_html_stream *h);

/* Write report.md, .csv, .json, .tex and (html != 0) report.html into r->dir. */
int report_write_all(struct report_run *r, int html, const struct report_html_opts *ho);

/* Escaping. Each appends s escaped for the format; invalid UTF-8 becomes
 * U+FFFD (LaTeX: '?'); NULL counts as "". */
void report_md_cell(struct buf *out, const char *s);
void report_esc_html(struct buf *out, const char *s, size_t len);
void report_esc_latex(struct buf *out, const char *s);
void report_esc_csv(struct buf *out, const char *s);       /* a whole CSV field, quoted if needed */
void report_esc_gnuplot(struct buf *out, const char *s);   /* a single-quoted gnuplot string, quotes included */

/* Leaderboard: many runs of one suite. */
enum report_format { FMT_MD, FMT_CSV, FMT_LATEX, FMT_HTML, FMT_JSON };
int report_format_parse(const char *s, enum report_format *f);
struct leaderboard_opts {
	enum report_format format;
	const cJSON *reference;   /* the spec's "reference" array, or NULL */
	int ci;                   /* show intervals */
};
int report_leaderboard(struct report_run *const *runs, size_t n, const struct leaderboard_opts *o,
		       struct buf *out);

/* A paper's table across suites (suites/tables/NAME.json, e.g. 4d-rgpt): its
 * published rows in order, then one row per model of the runs (which may be
 * of different suites), each run filling its suite's column with its overall
 * score (or the split the column names). Formats md, csv, latex, json. */
int report_reference_table(struct report_run *const *runs, size_t n, const cJSON *table,
			   enum report_format f, struct buf *out);

/* Plots (gnuplot). Scripts, data and images go to outdir. */
struct plot_opts {
	const char *outdir;
	const char *gnuplot;      /* program (default "gnuplot", or $STEVAL_GNUPLOT) */
	int png, svg;             /* both when neither is set */
};
/* Grouped bars with CI whiskers: one cluster per column, one bar per run. */
int report_plot_bars(struct report_run *const *runs, size_t n, const struct plot_opts *o);
/* Overall score against frames per item, one point per run. */
int report_plot_frames(struct report_run *const *runs, size_t n, const struct plot_opts *o);
/* Latency and token histograms of one run (from samples.jsonl). */
int report_plot_hist(struct report_run *r, const struct plot_opts *o);

#endif
