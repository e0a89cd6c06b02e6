/*
 * progress.c: the progress line of a run on a terminal (stderr).
 */
#include "lib/common.h"
#include "harness/run/run_int.h"

static void fmt_dur(char *out, size_t n, double s)
{
	if (s < 0 || !isfinite(s))
		snprintf(out, n, "?");
	else if (s < 60)
		snprintf(out, n, "%.0fs", s);
	else if (s < 3600)
		snprintf(out, n, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
	else
		snprintf(out, n, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
}

static void fmt_count(char *out, size_t n, long long v)
{
	if (v >= 10000000)
		snprintf(out, n, "%.0fM", (double)v / 1e6);
	else if (v >= 1000000)
		snprintf(out, n, "%.1fM", (double)v / 1e6);
	else if (v >= 10000)
		snprintf(out, n, "%.0fk", (double)v / 1e3);
	else
		snprintf(out, n, "%lld", v);
}

void run_progress(struct run_state *r, int force)
{
	double now = mono_now(), el = now - r->t0, rate;
	char eta[24], ti[32], to[32];

	if (!r->progress || (!force && now - r->last_progress < 0.25))
		return;
	r->last_progress = now;
	rate = el > 0 ? (double)r->finished / el : 0;
	fmt_dur(eta, sizeof(eta), rate > 0 ? (double)(r->todo - r->finished) / rate : -1);
	fmt_count(ti, sizeof(ti), r->tok_in);
	fmt_count(to, sizeof(to), r->tok_out);
	log_raw("\r\033[K%zu/%zu  ok %zu  unparsed %zu  error %zu  | %zu in flight | %.2f/s | "
		"ETA %s | tokens %s in, %s out", r->finished, r->todo, r->ok, r->unparsed,
		r->errors, r->inflight, rate, eta, ti, to);
}

/* the final counts stay on the screen */
void run_progress_end(struct run_state *r)
{
	if (!r->progress)
		return;
	run_progress(r, 1);
	log_raw("\n");
}
