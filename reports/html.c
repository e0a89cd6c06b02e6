/*
 * html.c: report.html, one self-contained static page per run.
 *
 * The page holds the summary (the paper's row, the detail table with
 * interval bars, the run facts) and then every sample: its id, category,
 * status, score, truth, extracted answer, the exact prompt (re-rendered
 * from the suite spec and checked against the stored sha256 when a
 * callback gives it), the frames sent (thumbnails when a callback finds
 * them, else frame numbers and timestamps) and the raw answer. Filters by
 * category, status, result (right / partial / wrong) and text; the filter
 * lives in the URL fragment (#category=C&status=S&result=R&q=TEXT), so a
 * filtered view can be linked.
 *
 * Safety: every text from the run is HTML-escaped (report_esc_html); the
 * page carries a Content-Security-Policy that allows only its own inline
 * style and script (by sha256), images from data: URIs and the page's own
 * origin, and nothing else: no external loads, no inline event handlers.
 * No element uses a style attribute (the policy would block it).
 */
#include "lib/common.h"
#include "reports/report.h"
#include "reports/judge.h"
#include "reports/table.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <dirent.h>
#include <math.h>

static const char page_css[] =
	":root{--fg:#1d2125;--mute:#5f6b76;--line:#d8dee4;--ok:#1a7f37;--bad:#cf222e;--part:#9a6700;"
	"--bg2:#f6f8fa;--acc:#0969da}\n"
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:var(--fg);margin:0 auto;"
	"max-width:1200px;padding:16px 24px}\n"
	"h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:24px 0 8px;border-bottom:1px solid var(--line)}\n"
	"table{border-collapse:collapse;margin:8px 0}td,th{border-bottom:1px solid var(--line);padding:3px 8px;"
	"text-align:right;vertical-align:middle}th{background:var(--bg2)}td.l,th.l{text-align:left}\n"
	"td.ind{padding-left:24px}.mute{color:var(--mute)}.facts td{text-align:left}\n"
	"svg.ci rect.bg{fill:#eef1f4}svg.ci line{stroke:var(--acc);stroke-width:2}svg.ci circle{fill:var(--acc)}\n"
	"form#filters{position:sticky;top:0;background:#fff;padding:8px 0;border-bottom:1px solid var(--line);"
	"display:flex;gap:8px;flex-wrap:wrap;align-items:center;z-index:1}\n"
	"article.sample{border:1px solid var(--line);border-radius:6px;margin:10px 0;padding:8px 12px}\n"
	"article.sample>header{display:flex;gap:12px;flex-wrap:wrap;align-items:baseline}\n"
	".id{font-weight:600;font-family:ui-monospace,monospace}.badge{border-radius:10px;padding:0 8px;"
	"font-size:12px;border:1px solid var(--line)}\n"
	".st-ok{color:var(--ok)}.st-unparsed{color:var(--part)}.st-error{color:var(--bad)}\n"
	".r-right{background:#dafbe1}.r-wrong{background:#ffebe9}.r-partial{background:#fff8c5}\n"
	"pre{white-space:pre-wrap;word-break:break-word;background:var(--bg2);padding:8px;border-radius:4px;"
	"margin:4px 0;max-height:480px;overflow:auto}\n"
	"dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:6px 0}dt{color:var(--mute)}"
	"dd{margin:0;word-break:break-word}\n"
	".frames{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0}.frame{font:12px ui-monospace,monospace;"
	"background:var(--bg2);border-radius:4px;padding:2px 6px}\n"
	"figure{margin:0}figure img{display:block;border-radius:3px}figcaption{font-size:11px;color:var(--mute)}\n"
	"summary{cursor:pointer;color:var(--mute)}\n";

static const char page_js[] =
	"(function () {\n"
	"  'use strict';\n"
	"  var rows = Array.prototype.slice.call(document.querySelectorAll('article.sample'));\n"
	"  var fc = document.getElementById('f-category'), fs = document.getElementById('f-status');\n"
	"  var fr = document.getElementById('f-result'), fq = document.getElementById('f-q');\n"
	"  var shown = document.getElementById('shown');\n"
	"  function apply() {\n"
	"    var c = fc.value, s = fs.value, r = fr.value, q = fq.value.toLowerCase(), n = 0, i;\n"
	"    for (i = 0; i < rows.length; i++) {\n"
	"      var d = rows[i].dataset;\n"
	"      var on = (!c || d.category === c) && (!s || d.status === s) && (!r || d.result === r) &&\n"
	"        (!q || rows[i].textContent.toLowerCase().indexOf(q) >= 0);\n"
	"      rows[i].hidden = !on;\n"
	"      if (on) n++;\n"
	"    }\n"
	"    shown.textContent = String(n);\n"
	"  }\n"
	"  function set(el, v) {\n"
	"    el.value = v || '';\n"
	"    if (el.value !== (v || '')) el.value = '';\n"
	"  }\n"
	"  function fromHash() {\n"
	"    var p = new URLSearchParams(location.hash.replace(/^#/, ''));\n"
	"    set(fc, p.get('category')); set(fs, p.get('status')); set(fr, p.get('result'));\n"
	"    fq.value = p.get('q') || '';\n"
	"    apply();\n"
	"  }\n"
	"  function toHash() {\n"
	"    var p = new URLSearchParams();\n"
	"    if (fc.value) p.set('category', fc.value);\n"
	"    if (fs.value) p.set('status', fs.value);\n"
	"    if (fr.value) p.set('result', fr.value);\n"
	"    if (fq.value) p.set('q', fq.value);\n"
	"    try { history.replaceState(null, '', '#' + p.toString()); } catch (e) {}\n"
	"    apply();\n"
	"  }\n"
	"  [fc, fs, fr].forEach(function (el) { el.addEventListener('change', toHash); });\n"
	"  fq.addEventListener('input', toHash);\n"
	"  window.addEventListener('hashchange', fromHash);\n"
	"  fromHash();\n"
	"})();\n";

static void esc(struct buf *out, const char *s)
{
	if (s)
		report_esc_html(out, s, strlen(s));
}

/* An interval bar: the scale is 0..100 (scores are percentages). */
static void ci_bar(struct buf *out, const cJSON *g)
{
	double lo, hi, sc = report_num(g, "score");
	const double w = 120;

	if (!report_ci(g, &lo, &hi) || isnan(sc))
		return;
	if (lo < 0) lo = 0;
	if (hi > 100) hi = 100;
	buf_addf(out, "<svg class=\"ci\" width=\"%.0f\" height=\"10\" role=\"img\" aria-label=\"%.1f to %.1f\">"
		      "<rect class=\"bg\" x=\"0\" y=\"0\" width=\"%.0f\" height=\"10\"/>"
		      "<line x1=\"%.1f\" y1=\"5\" x2=\"%.1f\" y2=\"5\"/><circle cx=\"%.1f\" cy=\"5\" r=\"3\"/></svg>",
		 w, lo, hi, w, lo / 100 * w, hi / 100 * w, (sc < 0 ? 0 : sc > 100 ? 100 : sc) / 100 * w);
}

static void summary(struct buf *out, const struct report_run *run)
{
	const cJSON *res = run->results, *c;
	cJSON *cols = report_columns(res);
	struct tbl_row *rows;
	size_t n = tbl_rows(res, &rows), i;
	double level = tbl_level(res);

	buf_adds(out, "<section id=\"summary\"><h2>Scores</h2>\n<table class=\"paper\"><tr>");
	cJSON_ArrayForEach(c, cols) {
		buf_adds(out, "<th>");
		esc(out, json_get_str(c, "label"));
		buf_adds(out, "</th>");
	}
	buf_adds(out, "</tr><tr>");
	cJSON_ArrayForEach(c, cols) {
		const cJSON *g = report_group(res, json_get_str(c, "kind"), json_get_str(c, "name"));
		double lo, hi;
		buf_adds(out, "<td>");
		tbl_num(out, report_num(g, "score"), "–");
		if (report_ci(g, &lo, &hi))
			buf_addf(out, "<br><span class=\"mute\">%.1f–%.1f</span>", lo, hi);
		buf_adds(out, "</td>");
	}
	buf_adds(out, "</tr></table>\n");
	buf_addf(out, "<table class=\"detail\"><tr><th class=\"l\">group</th><th>score</th><th>%g%% CI</th>"
		      "<th></th><th>SE</th><th>n</th><th>ok</th><th>unparsed</th><th>error</th></tr>\n",
		 level > 0 ? level * 100 : 95);
	for (i = 0; i < n; i++) {
		const struct tbl_row *r = &rows[i];
		double lo, hi;
		buf_addf(out, "<tr class=\"g-%s\"><td class=\"l%s\">", r->kind, r->indent ? " ind" : "");
		if (!strcmp(r->kind, "split"))
			buf_adds(out, "<span class=\"mute\">split</span> ");
		esc(out, r->label);
		if (strcmp(r->label, r->name)) {
			buf_adds(out, " <span class=\"mute\">");
			esc(out, r->name);
			buf_adds(out, "</span>");
		}
		buf_adds(out, "</td><td>");
		tbl_num(out, report_num(r->g, "score"), "–");
		buf_adds(out, "</td><td>");
		if (report_ci(r->g, &lo, &hi))
			buf_addf(out, "%.2f – %.2f", lo, hi);
		buf_adds(out, "</td><td>");
		ci_bar(out, r->g);
		buf_adds(out, "</td><td>");
		tbl_num(out, report_num(r->g, "se"), "");
		buf_addf(out, "</td><td>%ld</td><td>%ld</td><td>%ld</td><td>%ld</td></tr>\n", tbl_count(r->g, "n"),
			 tbl_count(r->g, "ok"), tbl_count(r->g, "unparsed"), tbl_count(r->g, "error"));
	}
	buf_adds(out, "</table>\n");
	free(rows);
	cJSON_Delete(cols);
}

static void fact_row(struct buf *out, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	buf_addf(out, "<tr><th class=\"l\">%s</th><td>", name);
	esc(out, value);
	buf_adds(out, "</td></tr>\n");
}

static void facts(struct buf *out, const struct report_run *run)
{
	const cJSON *m = run->manifest, *suite = json_get(m, "suite");
	struct buf t = BUF_INIT;

	buf_adds(out, "<h2>Run</h2>\n<table class=\"facts\">\n");
	fact_row(out, "suite", report_suite(run));
	fact_row(out, "protocol", report_protocol(run));
	fact_row(out, "model", report_model(run));
	fact_row(out, "scoring", json_get_str(run->results, "scoring"));
	if (m) {
		fact_row(out, "status", json_get_str(m, "status"));
		fact_row(out, "started", json_get_str(m, "started"));
		fact_row(out, "updated", json_get_str(m, "updated"));
		fact_row(out, "spec", json_get_str(suite, "spec"));
		fact_row(out, "spec sha256", json_get_str(suite, "spec_sha256"));
		fact_row(out, "data", json_get_str(suite, "data_dir"));
		if (json_get(m, "frames")) {
			tbl_json(&t, json_get(m, "frames"));
			fact_row(out, "frames", buf_cstr(&t));
			buf_reset(&t);
		}
		if (json_get(m, "generation")) {
			tbl_json(&t, json_get(m, "generation"));
			fact_row(out, "generation", buf_cstr(&t));
			buf_reset(&t);
		}
		if (json_get(m, "steval")) {
			tbl_json(&t, json_get(m, "steval"));
			fact_row(out, "steval", buf_cstr(&t));
			buf_reset(&t);
		}
	}
	if (json_get(run->results, "bootstrap")) {
		tbl_json(&t, json_get(run->results, "bootstrap"));
		fact_row(out, "bootstrap", buf_cstr(&t));
	}
	buf_adds(out, "</table></section>\n");
	buf_release(&t);
}

static const char *result_of(const cJSON *smp)
{
	const char *st = json_get_str(smp, "status");
	double sc = report_num(smp, "score");

	if (!st || !strcmp(st, "error") || isnan(sc))
		return "none";
	if (sc >= 1)
		return "right";
	if (sc <= 0)
		return "wrong";
	return "partial";
}

static void dl_item(struct buf *out, const char *name, const char *value)
{
	if (!value)
		return;
	buf_addf(out, "<dt>%s</dt><dd>", name);
	esc(out, value);
	buf_adds(out, "</dd>");
}

/*
 * The run's own thumbnails, RUN_DIR/frames/SHA256.jpg, written by steval run
 * (its frame workers) and linked relative to the page. The directory is
 * listed once, when the first frame asks, instead of a stat() per frame
 * shown (1,280 samples of 32 images made 40,960 of them). A listed name is
 * checked with stat() the first time it is shown (a regular file, as
 * file_exists() has it); a name not listed is not there. When the directory
 * cannot be listed for another reason than its absence, each frame is
 * checked with stat() as before.
 */
struct thumbs {
	const char *dir;      /* the run directory, or NULL */
	int state;            /* 0: not listed yet; 1: listed; -1: stat each frame */
	struct thumb {
		char hex[64];
		signed char ok;   /* 0: not checked yet; 1: a regular file; -1: not */
	} *v;                 /* sorted by hex */
	size_t n, alloc;
};

static int is_sha_hex(const char *s, size_t len)
{
	return len == 64 && sha256_hex_valid(s);
}

static int cmp_thumb(const void *a, const void *b)
{
	return memcmp(((const struct thumb *)a)->hex, ((const struct thumb *)b)->hex, 64);
}

static void thumbs_list(struct thumbs *t)
{
	char *path = path_join(t->dir, "frames");
	struct dirent *e;
	DIR *d;

	t->state = 1;
	errno = 0;
	d = opendir(path);
	free(path);
	if (!d) {
		if (errno != ENOENT && errno != ENOTDIR)
			t->state = -1;
		return;
	}
	for (;;) {
		size_t len;
		errno = 0;
		e = readdir(d);
		if (!e)
			break;
		len = strlen(e->d_name);
		if (len != 68 || memcmp(e->d_name + 64, ".jpg", 4) || !is_sha_hex(e->d_name, 64))
			continue;
		ALLOC_GROW(t->v, t->n + 1, t->alloc);
		memcpy(t->v[t->n].hex, e->d_name, 64);
		t->v[t->n].ok = 0;
		t->n++;
	}
	if (errno)
		t->state = -1;
	closedir(d);
	if (t->state < 0) {
		free(t->v);
		t->v = NULL;
		t->n = t->alloc = 0;
		return;
	}
	if (t->n)
		qsort(t->v, t->n, sizeof(*t->v), cmp_thumb);
}

static int thumb_exists(const char *dir, const char *sha)
{
	struct buf path = BUF_INIT;
	int ok;

	buf_addf(&path, "%s/frames/%s.jpg", dir, sha);
	ok = file_exists(buf_cstr(&path));
	buf_release(&path);
	return ok;
}

static int run_thumb(struct thumbs *t, const cJSON *frame, struct buf *url)
{
	const char *sha = json_get_str(frame, "sha256");
	struct thumb key, *hit;

	if (!t->dir || !sha || (t->state > 0 && !t->n) || !is_sha_hex(sha, strlen(sha)))
		return -1;   /* (listed and empty: no thumbnail at all) */
	if (!t->state)
		thumbs_list(t);
	if (t->state < 0) {
		if (!thumb_exists(t->dir, sha))
			return -1;
	} else {
		memcpy(key.hex, sha, 64);
		hit = t->n ? bsearch(&key, t->v, t->n, sizeof(*t->v), cmp_thumb) : NULL;
		if (!hit)
			return -1;
		if (!hit->ok)
			hit->ok = thumb_exists(t->dir, sha) ? 1 : -1;
		if (hit->ok < 0)
			return -1;
	}
	buf_addf(url, "frames/%s.jpg", sha);
	return 0;
}

static void frames(struct buf *out, const struct report_html_opts *o, struct thumbs *th,
		   const cJSON *smp)
{
	const cJSON *fr = json_get(smp, "frames"), *f;
	struct buf url = BUF_INIT;

	if (!cJSON_IsArray(fr) || !fr->child)
		return;
	buf_addf(out, "<div class=\"frames\" aria-label=\"%d frames\">", cJSON_GetArraySize(fr));
	cJSON_ArrayForEach(f, fr) {
		double idx = report_num(f, "index"), pts = report_num(f, "pts");
		buf_reset(&url);
		if (((o && o->thumb) ? o->thumb(o->ctx, smp, f, &url) : run_thumb(th, f, &url)) == 0 &&
		    url.len) {
			buf_adds(out, "<figure><img loading=\"lazy\" width=\"160\" alt=\"frame\" src=\"");
			esc(out, buf_cstr(&url));
			buf_adds(out, "\"><figcaption>");
		} else {
			buf_adds(out, "<span class=\"frame\">");
		}
		if (!isnan(idx))
			buf_addf(out, "#%.0f", idx);
		if (!isnan(pts))
			buf_addf(out, " · %.2f s", pts);
		buf_adds(out, url.len ? "</figcaption></figure>" : "</span>");
	}
	buf_adds(out, "</div>\n");
	buf_release(&url);
}

/* The item's own images (files or embedded in the data), in the order
 * sent: thumbnails RUN_DIR/frames/SHA256.jpg, else their hashes. */
static void images(struct buf *out, const struct report_html_opts *o, struct thumbs *th,
		   const cJSON *smp)
{
	const cJSON *im = json_get(smp, "images"), *f;
	struct buf url = BUF_INIT;
	int n = 0;

	if (!cJSON_IsArray(im) || !im->child)
		return;
	buf_addf(out, "<div class=\"frames\" aria-label=\"%d images\">", cJSON_GetArraySize(im));
	cJSON_ArrayForEach(f, im) {
		const char *sha = json_get_str(f, "sha256");
		buf_reset(&url);
		n++;
		if (((o && o->thumb) ? o->thumb(o->ctx, smp, f, &url) : run_thumb(th, f, &url)) == 0 &&
		    url.len) {
			buf_adds(out, "<figure><img loading=\"lazy\" width=\"160\" alt=\"image\" src=\"");
			esc(out, buf_cstr(&url));
			buf_adds(out, "\"><figcaption>");
		} else {
			buf_adds(out, "<span class=\"frame\">");
		}
		buf_addf(out, "image %d", n);
		if (sha) {
			size_t hl = strlen(sha);
			buf_adds(out, " · ");
			report_esc_html(out, sha, hl < 12 ? hl : 12);   /* its first 12 bytes */
		}
		buf_adds(out, url.len ? "</figcaption></figure>" : "</span>");
	}
	buf_adds(out, "</div>\n");
	buf_release(&url);
}

/* A sample's article. Its category's label comes from CATS (results.json
 * "categories"); with LABEL_AT set it is left out instead, and *LABEL_AT is
 * where it belongs (inserted later: report_html_stream). */
static void sample_article(struct buf *out, const struct report_html_opts *o, struct thumbs *th,
			   const cJSON *smp, const cJSON *cats, size_t *label_at)
{
	const char *id = json_get_str(smp, "id"), *cat = json_get_str(smp, "category");
	const char *st = json_get_str(smp, "status"), *res = result_of(smp);
	const cJSON *resp = json_get(smp, "response"), *vars = json_get(smp, "variants"), *v;
	const char *label = label_at ? NULL : json_get_str(json_get(cats, cat ? cat : ""), "label");
	struct buf sys = BUF_INIT, user = BUF_INIT;
	double sc = report_num(smp, "score");
	int verified = 0;

	buf_adds(out, "<article class=\"sample\" data-category=\"");
	esc(out, cat ? cat : "");
	buf_adds(out, "\" data-status=\"");
	esc(out, st ? st : "");
	buf_addf(out, "\" data-result=\"%s\" id=\"s-", res);
	esc(out, id);
	if (report_sample_repeat(smp) >= 0)
		buf_addf(out, "-r%ld", report_sample_repeat(smp));
	buf_addf(out, "\">\n<header><span class=\"id\">");
	esc(out, id);
	if (report_sample_repeat(smp) >= 0)
		buf_addf(out, " (repeat %ld)", report_sample_repeat(smp));
	buf_adds(out, "</span><span class=\"mute\">");
	if (label_at)
		*label_at = out->len;
	else
		esc(out, label ? label : cat ? cat : "");
	buf_addf(out, "</span><span class=\"badge st-%s\">", st && (!strcmp(st, "ok") || !strcmp(st, "unparsed") ||
								     !strcmp(st, "error")) ? st : "error");
	esc(out, st ? st : "?");
	buf_addf(out, "</span><span class=\"badge r-%s\">", res);
	if (isnan(sc))
		buf_adds(out, "no score");
	else
		buf_addf(out, "score %.3g", sc);
	buf_adds(out, "</span></header>\n<dl>");
	dl_item(out, "truth", json_get_str(smp, "truth"));
	dl_item(out, "accepted", json_get_str(smp, "accepted"));
	dl_item(out, "extracted", json_get_str(smp, "extracted"));
	dl_item(out, "fallback", json_get_str(smp, "fallback"));
	if (cJSON_IsBool(json_get(smp, "verdict")))
		dl_item(out, "verdict", cJSON_IsTrue(json_get(smp, "verdict")) ? "correct" : "wrong");
	dl_item(out, "error", json_get_str(smp, "error"));
	dl_item(out, "finish", json_get_str(smp, "finish_reason"));
	cJSON_ArrayForEach(v, vars) {
		struct buf t = BUF_INIT;
		double vs = report_num(v, "score");
		const char *ex = json_get_str(v, "extracted") ? json_get_str(v, "extracted") : "";
		size_t len = strlen(ex);
		buf_addf(&t, "%s, extracted '", json_get_str(v, "status") ? json_get_str(v, "status") : "?");
		if (len > 160) {
			/* cut on a UTF-8 boundary */
			for (len = 160; len > 0 && ((unsigned char)ex[len] & 0xC0) == 0x80; len--)
				;
			buf_add(&t, ex, len);
			buf_adds(&t, "…");
		} else {
			buf_adds(&t, ex);
		}
		buf_adds(&t, "'");
		if (!isnan(vs))
			buf_addf(&t, ", score %.3g", vs);
		buf_adds(out, "<dt>variant ");
		esc(out, v->string);
		buf_adds(out, "</dt><dd>");
		esc(out, buf_cstr(&t));
		buf_adds(out, "</dd>");
		buf_release(&t);
	}
	buf_adds(out, "</dl>\n");
	report_judge_sample_html(out, smp);
	images(out, o, th, smp);
	frames(out, o, th, smp);
	buf_adds(out, "<details class=\"prompt\"><summary>prompt");
	if (o && o->prompt && o->prompt(o->ctx, smp, &sys, &user, &verified) == 0) {
		buf_adds(out, verified ? " (identical to the one sent: sha256 matches)" :
			 json_get_str(smp, "prompt_sha256") ?
			 " (re-rendered from the suite spec; it differs from the one sent, e.g. video facts "
			 "shown as placeholders)" : " (re-rendered from the suite spec)");
		buf_adds(out, "</summary>");
		if (sys.len) {
			buf_adds(out, "<pre class=\"system\">");
			report_esc_html(out, buf_cstr(&sys), sys.len);
			buf_adds(out, "</pre>");
		}
		buf_adds(out, "<pre class=\"user\">");
		report_esc_html(out, buf_cstr(&user), user.len);
		buf_adds(out, "</pre>");
	} else {
		buf_adds(out, " (not available: the suite spec was not loaded)</summary>");
	}
	buf_adds(out, "</details>\n<details class=\"response\" open><summary>answer</summary>");
	if (cJSON_IsString(resp)) {
		buf_adds(out, "<pre class=\"resp\">");
		esc(out, resp->valuestring);
		buf_adds(out, "</pre>");
	} else {
		buf_adds(out, "<p class=\"mute\">no answer</p>");
	}
	buf_adds(out, "</details>\n</article>\n");
	buf_release(&sys);
	buf_release(&user);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The filter form: NAMES are the N categories of the samples shown (sorted
 * here), NSHOWN the samples. */
static void filters(struct buf *out, const struct report_run *run, const char **names, size_t n,
		    size_t nshown)
{
	const cJSON *cats = json_get(run->results, "categories");
	size_t i;

	qsort(names, n, sizeof(*names), cmp_str);
	buf_adds(out, "<form id=\"filters\" role=\"search\"><select id=\"f-category\" aria-label=\"category\">"
		      "<option value=\"\">all categories</option>");
	for (i = 0; i < n; i++) {
		const char *label;
		if (i && !strcmp(names[i], names[i - 1]))
			continue;
		label = json_get_str(json_get(cats, names[i]), "label");
		buf_adds(out, "<option value=\"");
		esc(out, names[i]);
		buf_adds(out, "\">");
		esc(out, label ? label : names[i]);
		buf_adds(out, "</option>");
	}
	buf_adds(out, "</select><select id=\"f-status\" aria-label=\"status\"><option value=\"\">any status</option>"
		      "<option value=\"ok\">ok</option><option value=\"unparsed\">unparsed</option>"
		      "<option value=\"error\">error</option></select>"
		      "<select id=\"f-result\" aria-label=\"result\"><option value=\"\">right or wrong</option>"
		      "<option value=\"right\">right</option><option value=\"partial\">partial credit</option>"
		      "<option value=\"wrong\">wrong</option><option value=\"none\">not scored</option></select>"
		      "<input id=\"f-q\" type=\"search\" placeholder=\"search ids, answers, prompts\" aria-label=\"search\">");
	buf_addf(out, "<span><span id=\"shown\">%zu</span> of %zu shown</span></form>\n", nshown, nshown);
}

/* The page up to the samples' heading, for NSHOWN samples. */
static void page_head(struct report_run *run, size_t nshown, struct buf *out)
{
	const cJSON *res = run->results, *ov = json_get(res, "overall");
	const char *title = json_get_str(res, "suite_title") ? json_get_str(res, "suite_title") : report_suite(run);
	double lo, hi;

	buf_adds(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src ");
	tbl_csp_hash(out, page_css);
	buf_adds(out, "; script-src ");
	tbl_csp_hash(out, page_js);
	buf_adds(out, "; img-src data: 'self'; base-uri 'none'; form-action 'none'\">\n"
		      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		      "<meta name=\"generator\" content=\"steval ");
	esc(out, steval_version());
	buf_adds(out, "\">\n<title>");
	esc(out, title);
	buf_adds(out, ": ");
	esc(out, report_model(run));
	buf_adds(out, "</title>\n<style>");
	buf_adds(out, page_css);
	buf_adds(out, "</style></head>\n<body>\n<header><h1>");
	esc(out, title);
	buf_adds(out, ": ");
	esc(out, report_model(run));
	buf_adds(out, "</h1><p>Overall <strong>");
	tbl_num(out, report_num(ov, "score"), "–");
	buf_adds(out, "</strong>");
	if (report_ci(ov, &lo, &hi))
		buf_addf(out, " (%g%% CI %.2f – %.2f)", tbl_level(res) * 100, lo, hi);
	buf_addf(out, " over %ld scored items; %ld unparsed, %ld errors.</p>",
		 tbl_count(ov, "ok") + tbl_count(ov, "unparsed"), tbl_count(ov, "unparsed"), tbl_count(ov, "error"));
	{
		struct buf t = BUF_INIT;
		if (report_partial(res, &t)) {
			buf_adds(out, "<p class=\"partial\"><strong>Partial results:</strong> ");
			esc(out, buf_cstr(&t));
			buf_adds(out, ".</p>");
		}
		buf_release(&t);
	}
	buf_adds(out, "</header>\n");
	summary(out, run);
	report_judge_html(out, res);
	facts(out, run);
	buf_addf(out, "<section id=\"samples\"><h2>Samples (%zu)</h2>\n", nshown);
}

static int page_tail(struct buf *out)
{
	buf_adds(out, "</section>\n<script>");
	buf_adds(out, page_js);
	buf_adds(out, "</script>\n</body></html>\n");
	return out->overflow ? error("report.html: the page would be larger than %zu bytes", out->max) : 0;
}

/*
 * The articles rendered while samples.jsonl is read for the summary, one
 * record at a time, so the records need not be kept (1,280 samples of 32
 * images each were 31 MB of cJSON nodes, allocated, then freed one by one).
 * Each article leaves a gap for its category's label, which comes from
 * results.json, written after that pass; report_html() fills it in and
 * keeps the last line of each id (and repeat) as report_run_samples() does.
 */
struct report_html_stream {
	const struct report_html_opts *o;
	char *dir;
	struct thumbs th;
	struct buf arts;
	struct art {
		size_t start, label_at, end;
		char *id, *cat;   /* cat: NULL when the record has none */
		long rep;
	} *v;
	size_t n, alloc;
};

struct report_html_stream *report_html_stream_new(const char *dir, const struct report_html_opts *o)
{
	struct report_html_stream *h = xcalloc(1, sizeof(*h));

	h->o = o;
	h->dir = dir ? xstrdup(dir) : NULL;
	h->th.dir = h->dir;
	buf_init(&h->arts, (size_t)2 << 30);
	return h;
}

void report_html_stream_add(struct report_html_stream *h, const cJSON *smp)
{
	const char *cat = json_get_str(smp, "category");
	struct art *a;

	ALLOC_GROW(h->v, h->n + 1, h->alloc);
	a = &h->v[h->n++];
	a->id = xstrdup(json_get_str(smp, "id") ? json_get_str(smp, "id") : "");
	a->cat = cat ? xstrdup(cat) : NULL;
	a->rep = report_sample_repeat(smp);
	a->start = h->arts.len;
	sample_article(&h->arts, h->o, &h->th, smp, NULL, &a->label_at);
	a->end = h->arts.len;
}

void report_html_stream_free(struct report_html_stream *h)
{
	size_t i;

	if (!h)
		return;
	for (i = 0; i < h->n; i++) {
		free(h->v[i].id);
		free(h->v[i].cat);
	}
	free(h->v);
	free(h->th.v);
	free(h->dir);
	buf_release(&h->arts);
	free(h);
}

static int page_from_stream(struct report_run *run, struct report_html_stream *h, struct buf *out)
{
	const cJSON *cats = json_get(run->results, "categories");
	const char **ids = xcalloc(h->n ? h->n : 1, sizeof(*ids)), **names;
	long *reps = xcalloc(h->n ? h->n : 1, sizeof(*reps));
	unsigned char *keep = xcalloc(h->n ? h->n : 1, 1);
	size_t i, nshown = 0, nn = 0;

	if (h->arts.overflow) {
		free(ids);
		free(reps);
		free(keep);
		return error("report.html: the page would be larger than %zu bytes", out->max);
	}
	for (i = 0; i < h->n; i++) {
		ids[i] = h->v[i].id;
		reps[i] = h->v[i].rep;
	}
	report_last_lines(ids, reps, h->n, keep);
	names = ids;   /* reused: the categories of the samples shown */
	for (i = 0; i < h->n; i++) {
		nshown += keep[i];
		if (keep[i] && h->v[i].cat)
			names[nn++] = h->v[i].cat;
	}
	page_head(run, nshown, out);
	filters(out, run, names, nn, nshown);
	for (i = 0; i < h->n; i++) {
		const struct art *a = &h->v[i];
		const char *label;
		if (!keep[i])
			continue;
		label = json_get_str(json_get(cats, a->cat ? a->cat : ""), "label");
		buf_add(out, h->arts.data + a->start, a->label_at - a->start);
		esc(out, label ? label : a->cat ? a->cat : "");
		buf_add(out, h->arts.data + a->label_at, a->end - a->label_at);
	}
	free(ids);
	free(reps);
	free(keep);
	return page_tail(out);
}

int report_html(struct report_run *run, const struct report_html_opts *o, struct buf *out)
{
	const char **names;
	struct thumbs th;
	size_t i, n = 0;

	if (o && o->stream)
		return page_from_stream(run, o->stream, out);
	if (report_run_samples(run) < 0)
		return -1;
	page_head(run, run->nsamples, out);
	names = xcalloc(run->nsamples + 1, sizeof(*names));
	for (i = 0; i < run->nsamples; i++) {
		const char *c = json_get_str(run->samples[i], "category");
		if (c)
			names[n++] = c;
	}
	filters(out, run, names, n, run->nsamples);
	free(names);
	memset(&th, 0, sizeof(th));
	th.dir = run->dir;
	for (i = 0; i < run->nsamples; i++)
		sample_article(out, o, &th, run->samples[i], json_get(run->results, "categories"), NULL);
	free(th.v);
	return page_tail(out);
}

int report_write_all(struct report_run *r, int html, const struct report_html_opts *ho)
{
	static const struct {
		const char *name;
		int (*fn)(const struct report_run *, struct buf *);
	} files[] = {
		{ "report.md", report_md },
		{ "report.csv", report_csv },
		{ "report.json", report_json },
		{ "report.tex", report_latex },
	};
	size_t i;
	int rc = 0;

	if (!r->dir)
		return error("reports: no run directory to write into");
	for (i = 0; i < ARRAY_SIZE(files) && !rc; i++) {
		struct buf b = BUF_INIT;
		char *p = path_join(r->dir, files[i].name);
		rc = files[i].fn(r, &b);
		if (!rc)
			rc = write_file_atomic(p, buf_cstr(&b), b.len);
		free(p);
		buf_release(&b);
	}
	if (!rc && html) {
		struct buf b = BUF_INIT_MAX((size_t)2 << 30);
		char *p = path_join(r->dir, "report.html");
		rc = report_html(r, ho, &b);
		if (!rc)
			rc = write_file_atomic(p, buf_cstr(&b), b.len);
		free(p);
		buf_release(&b);
	}
	return rc;
}
