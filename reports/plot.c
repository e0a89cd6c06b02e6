/*
 * plot.c: plots drawn by gnuplot.
 *
 * Each plot is a script NAME.gp and its data NAME.dat written into the
 * output directory, then `gnuplot NAME.gp` run there (fork, chdir, exec;
 * the exit status is checked), so the scripts can be re-run and edited by
 * hand. Every script draws a PNG (pngcairo) and/or an SVG. Text from the
 * runs (labels, model names) only appears inside single-quoted gnuplot
 * strings (report_esc_gnuplot: '' for a quote, controls as spaces) and
 * every terminal is `noenhanced`, so no character is interpreted.
 *
 *   bars     one cluster per paper column, one bar per run, CI whiskers
 *   frames   overall score against frames per item, one line per model
 *   latency  histogram of seconds per item (frames + queue + network)
 *   tokens   histograms of output and input tokens per item
 */
#include "lib/common.h"
#include "reports/report.h"
#include "reports/table.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <math.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const palette[] = {
	"#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c",
	"#ccb974", "#64b5cd",
};

static int write_in(const char *dir, const char *name, const struct buf *b)
{
	char *p = path_join(dir, name);
	int rc = write_file_atomic(p, buf_cstr(b), b->len);

	free(p);
	return rc;
}

/* Run `gnuplot NAME.gp` inside dir. */
static int run_gnuplot(const struct plot_opts *o, const char *script)
{
	const char *prog = o->gnuplot ? o->gnuplot : getenv("STEVAL_GNUPLOT");
	pid_t pid;
	int st;

	if (!prog || !*prog)
		prog = "gnuplot";
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return error("cannot start '%s': %s", prog, strerror(errno));
	if (pid == 0) {
		if (chdir(o->outdir) < 0)
			_exit(126);
		execlp(prog, prog, script, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return error("waiting for '%s': %s", prog, strerror(errno));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return error("cannot run '%s' (install gnuplot: apt-get install gnuplot-nox, or set STEVAL_GNUPLOT)",
			     prog);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 126)
		return error("cannot enter '%s': %s", o->outdir, strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return error("'%s/%s': gnuplot failed (%s %d)", o->outdir, script,
			     WIFEXITED(st) ? "exit status" : "signal",
			     WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return 0;
}

/* Terminal lines: png first, then svg via replot; the script's body is
 * the plot command. */
static void terminals(struct buf *gp, const struct plot_opts *o, const char *name, int w, int h,
		      const char *body)
{
	int png = o->png || !o->svg, svg = o->svg || !o->png;

	if (png) {
		buf_addf(gp, "set terminal pngcairo size %d,%d noenhanced font 'DejaVu Sans,10'\n", w, h);
		buf_addf(gp, "set output '%s.png'\n", name);
		buf_adds(gp, body);
		buf_adds(gp, "unset output\n");
	}
	if (svg) {
		buf_addf(gp, "set terminal svg size %d,%d dynamic noenhanced font 'DejaVu Sans,10'\n", w, h);
		buf_addf(gp, "set output '%s.svg'\n", name);
		buf_adds(gp, body);
		buf_adds(gp, "unset output\n");
	}
}

static int finish_plot(const struct plot_opts *o, const char *name, struct buf *gp, struct buf *dat)
{
	char file[64];
	int rc;

	if (mkdir_p(o->outdir) < 0)
		return -1;
	snprintf(file, sizeof(file), "%s.dat", name);
	if (write_in(o->outdir, file, dat) < 0)
		return -1;
	snprintf(file, sizeof(file), "%s.gp", name);
	if (write_in(o->outdir, file, gp) < 0)
		return -1;
	rc = run_gnuplot(o, file);
	if (!rc)
		notef("wrote %s/%s.{gp,dat,%s}", o->outdir, name,
		      o->png && !o->svg ? "png" : o->svg && !o->png ? "svg" : "png,svg");
	return rc;
}

static void dat_comment(struct buf *dat, const char *s)
{
	for (; *s; s++)
		buf_addch(dat, (unsigned char)*s < 0x20 ? ' ' : *s);
}

/* At most max code points of s (an ellipsis marks the cut). */
static void shorten(struct buf *t, const char *s, size_t max)
{
	size_t n = 0;
	const char *p;

	for (p = s; *p; p++) {
		if (((unsigned char)*p & 0xC0) != 0x80 && n++ == max) {
			buf_adds(t, "…");
			return;
		}
		buf_addch(t, *p);
	}
}

static void run_title(struct buf *b, const struct report_run *r, int with_protocol)
{
	struct buf t = BUF_INIT, cut = BUF_INIT;

	buf_adds(&t, report_model(r));
	if (with_protocol) {
		buf_adds(&t, " (");
		buf_adds(&t, report_protocol(r));
		buf_adds(&t, ")");
	}
	shorten(&cut, buf_cstr(&t), 48);
	report_esc_gnuplot(b, buf_cstr(&cut));
	buf_release(&t);
	buf_release(&cut);
}

/* A tic label is a format string to gnuplot: % doubled, then quoted. */
static void tic_label(struct buf *out, const char *label)
{
	struct buf t = BUF_INIT, cut = BUF_INIT;
	const char *s;

	shorten(&cut, label, 28);
	for (s = buf_cstr(&cut); *s; s++) {
		if (*s == '%')
			buf_addch(&t, '%');
		buf_addch(&t, *s);
	}
	report_esc_gnuplot(out, buf_cstr(&t));
	buf_release(&t);
	buf_release(&cut);
}

static int protocols_differ(struct report_run *const *runs, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (strcmp(report_protocol(runs[i]), report_protocol(runs[0])))
			return 1;
	return 0;
}

int report_plot_bars(struct report_run *const *runs, size_t n, const struct plot_opts *o)
{
	cJSON *cols;
	const cJSON *c;
	struct buf gp = BUF_INIT, dat = BUF_INIT, body = BUF_INIT, t = BUF_INIT;
	size_t i, k = 0;
	int rc, wp = protocols_differ(runs, n);
	double level = tbl_level(runs[0]->results);
	int width;

	if (!n)
		return error("plot: no runs");
	cols = report_columns(runs[0]->results);
	{
		int any = 0;
		cJSON_ArrayForEach(c, cols)
			for (i = 0; i < n; i++)
				any |= !isnan(report_num(report_group(runs[i]->results, json_get_str(c, "kind"),
								      json_get_str(c, "name")), "score"));
		if (!any) {
			notef("no scores to plot (bars)");
			cJSON_Delete(cols);
			return 0;
		}
	}
	buf_adds(&dat, "# steval: one row per column of the paper's table; per run: score lo hi\n");
	for (i = 0; i < n; i++) {
		buf_addf(&dat, "# run %zu: ", i + 1);
		dat_comment(&dat, report_model(runs[i]));
		buf_addch(&dat, '\n');
	}
	cJSON_ArrayForEach(c, cols) {
		buf_addf(&dat, "%zu", k);
		for (i = 0; i < n; i++) {
			const cJSON *g = report_group(runs[i]->results, json_get_str(c, "kind"), json_get_str(c, "name"));
			double v = report_num(g, "score"), lo, hi;
			if (!report_ci(g, &lo, &hi))
				lo = hi = v;
			if (isnan(v))
				buf_adds(&dat, " NaN NaN NaN");
			else
				buf_addf(&dat, " %.6f %.6f %.6f", v, lo, hi);
		}
		buf_adds(&dat, "  # ");
		dat_comment(&dat, json_get_str(c, "label"));
		buf_addch(&dat, '\n');
		k++;
	}
	buf_adds(&body, "set style data histograms\nset style histogram errorbars gap 2 lw 1\n"
			"set style fill solid 0.85 border -1\nset boxwidth 0.9\nset yrange [0:100]\n"
			"set ylabel 'score'\nset grid ytics\nset key below noenhanced\n"
			"set xtics noenhanced nomirror rotate by -30 left\nset xtics (");
	k = 0;
	cJSON_ArrayForEach(c, cols) {
		buf_adds(&body, k ? ", " : "");
		tic_label(&body, json_get_str(c, "label"));
		buf_addf(&body, " %zu", k);
		k++;
	}
	buf_adds(&body, ")\nset title ");
	buf_addf(&t, "%s: scores by column", json_get_str(runs[0]->results, "suite_title") ?
		 json_get_str(runs[0]->results, "suite_title") : report_suite(runs[0]));
	if (level > 0)
		buf_addf(&t, " (whiskers: %g%% bootstrap CI)", level * 100);
	report_esc_gnuplot(&body, buf_cstr(&t));
	buf_adds(&body, " noenhanced\nplot ");
	for (i = 0; i < n; i++) {
		buf_addf(&body, "%s'bars.dat' using %zu:%zu:%zu lc rgb '%s' title ", i ? ", " : "", 2 + 3 * i,
			 3 + 3 * i, 4 + 3 * i, palette[i % ARRAY_SIZE(palette)]);
		run_title(&body, runs[i], wp);
	}
	buf_adds(&body, "\n");
	buf_adds(&gp, "# steval: grouped bars with confidence-interval whiskers (data: bars.dat)\n");
	width = 360 + (int)(k * (40 + 14 * n));
	terminals(&gp, o, "bars", width > 1800 ? 1800 : width < 700 ? 700 : width, 560, buf_cstr(&body));
	rc = finish_plot(o, "bars", &gp, &dat);
	cJSON_Delete(cols);
	buf_release(&gp);
	buf_release(&dat);
	buf_release(&body);
	buf_release(&t);
	return rc;
}

struct fpoint {
	const char *model;
	double frames;
	double v, lo, hi;
};

static int cmp_fpoint(const void *a, const void *b)
{
	const struct fpoint *x = a, *y = b;
	int c = strcmp(x->model, y->model);

	if (c)
		return c;
	return x->frames < y->frames ? -1 : x->frames > y->frames;
}

/* Frames per item: the manifest's frame plan, else the mean number of
 * frames the samples record; -1 when neither says. */
static double frames_of(struct report_run *r)
{
	long f = report_frame_count(r);
	double sum = 0;
	size_t i, k = 0;

	if (f >= 0)
		return (double)f;
	if (report_run_samples(r) < 0)
		return -1;
	for (i = 0; i < r->nsamples; i++) {
		const cJSON *fr = json_get(r->samples[i], "frames");
		if (cJSON_IsArray(fr)) {
			sum += cJSON_GetArraySize(fr);
			k++;
		}
	}
	return k ? sum / (double)k : -1;
}

int report_plot_frames(struct report_run *const *runs, size_t n, const struct plot_opts *o)
{
	struct fpoint *pt = xcalloc(n + 1, sizeof(*pt));
	struct buf gp = BUF_INIT, dat = BUF_INIT, body = BUF_INIT;
	size_t i, m = 0, block = 0;
	int rc, all_pos = 1;

	for (i = 0; i < n; i++) {
		const cJSON *ov = json_get(runs[i]->results, "overall");
		double f = frames_of(runs[i]);
		if (f < 0) {
			warnf("'%s': no frame plan in manifest.json and no frames in samples.jsonl "
			      "(left out of the frames plot)", runs[i]->dir ? runs[i]->dir : "?");
			continue;
		}
		pt[m].model = report_model(runs[i]);
		pt[m].frames = f;
		pt[m].v = report_num(ov, "score");
		if (!report_ci(ov, &pt[m].lo, &pt[m].hi))
			pt[m].lo = pt[m].hi = pt[m].v;
		if (isnan(pt[m].v))
			continue;
		all_pos &= f > 0;
		m++;
	}
	if (!m) {
		free(pt);
		notef("no run has both a frame plan and an overall score: no frames plot");
		return 0;
	}
	qsort(pt, m, sizeof(*pt), cmp_fpoint);
	buf_adds(&dat, "# steval: frames score lo hi; one block per model\n");
	buf_adds(&body, "set xlabel 'frames per item'\nset ylabel 'overall score'\nset grid\n"
			"set key outside right top noenhanced\nset title 'Score against frames (error bars: bootstrap CI)'"
			" noenhanced\n");
	if (all_pos)
		buf_adds(&body, "set logscale x 2\n");
	buf_adds(&body, "set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\nplot ");
	for (i = 0; i < m; i++) {
		if (i && strcmp(pt[i].model, pt[i - 1].model)) {
			buf_adds(&dat, "\n\n");
			block++;
		}
		if (!i || strcmp(pt[i].model, pt[i - 1].model)) {
			buf_adds(&dat, "# ");
			dat_comment(&dat, pt[i].model);
			buf_addch(&dat, '\n');
			buf_addf(&body, "%s'frames.dat' index %zu using 1:2:3:4 with yerrorlines lw 2 pt 7 lc rgb '%s' title ",
				 block ? ", " : "", block, palette[block % ARRAY_SIZE(palette)]);
			report_esc_gnuplot(&body, pt[i].model);
		}
		buf_addf(&dat, "%g %.6f %.6f %.6f\n", pt[i].frames, pt[i].v, pt[i].lo, pt[i].hi);
	}
	buf_adds(&body, "\n");
	buf_adds(&gp, "# steval: overall score against frames per item (data: frames.dat)\n");
	terminals(&gp, o, "frames", 900, 520, buf_cstr(&body));
	rc = finish_plot(o, "frames", &gp, &dat);
	free(pt);
	buf_release(&gp);
	buf_release(&dat);
	buf_release(&body);
	return rc;
}

/* A histogram data file of values: bin centre, count. */
static double nice_width(double span, int bins)
{
	double raw = span / bins, p = pow(10, floor(log10(raw))), f = raw / p;

	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

static size_t histogram(struct buf *dat, const double *v, size_t n, double *width, double *centre)
{
	double lo = INFINITY, hi = -INFINITY, w, start;
	size_t i, nb, *cnt;
	int ints = 1;

	for (i = 0; i < n; i++) {
		if (v[i] < lo) lo = v[i];
		if (v[i] > hi) hi = v[i];
		ints &= v[i] == floor(v[i]);
	}
	w = hi > lo ? nice_width(hi - lo, 30) : (lo > 0 ? lo / 100 : 1);
	if (ints)   /* counts: whole bins, at least one unit wide */
		w = w < 1 ? 1 : ceil(w);
	start = floor(lo / w) * w;
	nb = (size_t)floor((hi - start) / w) + 1;
	if (nb > 1000)
		nb = 1000;
	cnt = xcalloc(nb, sizeof(*cnt));
	for (i = 0; i < n; i++) {
		size_t b = (size_t)floor((v[i] - start) / w);
		cnt[b < nb ? b : nb - 1]++;
	}
	for (i = 0; i < nb; i++)
		buf_addf(dat, "%.6g %zu\n", start + (double)i * w + w / 2, cnt[i]);
	free(cnt);
	*width = w;
	*centre = start + w / 2;
	return nb;
}

static int hist_plot(const struct plot_opts *o, const char *name, const char *title, const char *xlabel,
		     double *const *series, const size_t *nser, const char *const *labels, size_t ns)
{
	struct buf gp = BUF_INIT, dat = BUF_INIT, body = BUF_INIT;
	size_t s, shown = 0;
	int rc;

	buf_addf(&dat, "# steval: histogram of %s: bin centre, count; one block per series\n", xlabel);
	buf_adds(&body, "set style fill solid 0.8 border -1\nset ylabel 'items'\nset grid ytics\nset yrange [0:*]\n"
			"set offsets graph 0.02, graph 0.02, graph 0.12, 0\n"
			"set key top right opaque noenhanced\n");
	buf_addf(&body, "set xlabel '%s'\nset title ", xlabel);
	report_esc_gnuplot(&body, title);
	buf_adds(&body, " noenhanced\n");
	if (ns > 1)
		buf_addf(&body, "set multiplot layout %zu,1\n", ns);
	for (s = 0; s < ns; s++) {
		double w, c;
		if (!nser[s])
			continue;
		if (shown)
			buf_adds(&dat, "\n\n");
		buf_addf(&dat, "# %s\n", labels[s]);
		if (histogram(&dat, series[s], nser[s], &w, &c) == 1)
			buf_addf(&body, "set xrange [%.6g:%.6g]\n", c - 5 * w, c + 5 * w);
		else
			buf_adds(&body, "set autoscale x\n");
		if (ns > 1 && shown)
			buf_adds(&body, "unset title\n");
		buf_addf(&body, "set boxwidth %.6g\nplot '%s.dat' index %zu using 1:2 with boxes lc rgb '%s' title '%s (%zu items)'\n",
			 w * 0.9, name, shown, palette[s % ARRAY_SIZE(palette)], labels[s], nser[s]);
		shown++;
	}
	if (ns > 1)
		buf_adds(&body, "unset multiplot\n");
	buf_addf(&gp, "# steval: %s (data: %s.dat)\n", title, name);
	terminals(&gp, o, name, 900, ns > 1 ? 720 : 420, buf_cstr(&body));
	rc = finish_plot(o, name, &gp, &dat);
	buf_release(&gp);
	buf_release(&dat);
	buf_release(&body);
	return rc;
}

int report_plot_hist(struct report_run *r, const struct plot_opts *o)
{
	double *lat, *tout, *tin;
	size_t nl = 0, no = 0, ni = 0, i;
	int rc = 0;

	if (report_run_samples(r) < 0)
		return -1;
	lat = xcalloc(r->nsamples + 1, sizeof(double));
	tout = xcalloc(r->nsamples + 1, sizeof(double));
	tin = xcalloc(r->nsamples + 1, sizeof(double));
	for (i = 0; i < r->nsamples; i++) {
		const cJSON *l = json_get(r->samples[i], "latency"), *u = json_get(r->samples[i], "usage");
		double f = report_num(l, "frames"), q = report_num(l, "queue"), net = report_num(l, "network");
		double x = report_num(u, "output"), y = report_num(u, "input");
		if (l && !(isnan(f) && isnan(q) && isnan(net)))
			lat[nl++] = (isnan(f) ? 0 : f) + (isnan(q) ? 0 : q) + (isnan(net) ? 0 : net);
		if (!isnan(x))
			tout[no++] = x;
		if (!isnan(y))
			tin[ni++] = y;
	}
	if (nl) {
		double *s[] = { lat };
		size_t c[] = { nl };
		const char *lb[] = { "seconds per item" };
		rc = hist_plot(o, "latency", "Latency per item (frames + queue + network)", "seconds", s, c, lb, 1);
	} else {
		notef("'%s': no latencies in samples.jsonl (no latency histogram)", r->dir ? r->dir : "?");
	}
	if (!rc && (no || ni)) {
		double *s[] = { tout, tin };
		size_t c[] = { no, ni };
		const char *lb[] = { "output tokens", "input tokens" };
		rc = hist_plot(o, "tokens", "Tokens per item", "tokens", s, c, lb, 2);
	} else if (!rc) {
		notef("'%s': no token counts in samples.jsonl (no token histogram)", r->dir ? r->dir : "?");
	}
	free(lat);
	free(tout);
	free(tin);
	return rc;
}
