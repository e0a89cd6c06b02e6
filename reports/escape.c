/*
 * escape.c: untrusted text into Markdown, HTML, LaTeX, CSV and gnuplot.
 */
#include "lib/common.h"
#include "reports/report.h"
#include "lib/buf.h"
#include "lib/pystr.h"

void report_md_cell(struct buf *out, const char *s)
{
	struct buf clean = BUF_INIT;
	const char *p;

	if (!s)
		s = "";
	utf8_sanitize(s, strlen(s), &clean);
	for (p = buf_cstr(&clean); *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '\n' || c == '\r' || c == '\t' || c < 0x20 || c == 0x7f)
			buf_addch(out, ' ');
		else if (c == '&')
			buf_adds(out, "&amp;");
		else if (strchr("|\\`*_<>[]~!#$", c))
			buf_addf(out, "\\%c", c);
		else
			buf_addch(out, c);
	}
	buf_release(&clean);
}

/* Printable ASCII that HTML takes as it is. */
static int html_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '&' && c != '<' && c != '>' && c != '"' && c != '\'';
}

void report_esc_html(struct buf *out, const char *s, size_t len)
{
	size_t i = 0;

	if (!s)
		return;
	while (i < len) {
		uint32_t cp;
		size_t n;
		if (html_plain((unsigned char)s[i])) {
			/* a run copied at once (what the cases below do byte by byte) */
			size_t j = i + 1;
			while (j < len && html_plain((unsigned char)s[j]))
				j++;
			buf_add(out, s + i, j - i);
			i = j;
			continue;
		}
		n = utf8_decode(s, len, i, &cp);
		switch (cp) {
		case '&': buf_adds(out, "&amp;"); break;
		case '<': buf_adds(out, "&lt;"); break;
		case '>': buf_adds(out, "&gt;"); break;
		case '"': buf_adds(out, "&quot;"); break;
		case '\'': buf_adds(out, "&#39;"); break;
		case '\n': case '\t': buf_addch(out, (int)cp); break;
		case '\r': break;
		default:
			if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
				utf8_put(out, 0xFFFD);
			else if (cp < 0x80)
				buf_addch(out, (int)cp);
			else
				utf8_put(out, cp);   /* invalid bytes arrive as U+FFFD */
		}
		i += n;
	}
}

/* Code points LaTeX (with T1 fontenc and the utf8 input encoding, the
 * default since 2018) typesets without extra packages, or a command. */
static const char *latex_special(uint32_t cp)
{
	switch (cp) {
	case 0x2013: return "--";
	case 0x2014: return "---";
	case 0x2018: return "`";
	case 0x2019: return "'";
	case 0x201c: return "``";
	case 0x201d: return "''";
	case 0x2026: return "\\ldots{}";
	case 0x00d7: return "$\\times$";
	case 0x00b1: return "$\\pm$";
	case 0x00b0: return "\\textdegree{}";
	case 0x00b5: return "$\\mu$";
	case 0x00a0: return "~";
	case 0x2212: return "$-$";
	case 0x2192: return "$\\rightarrow$";
	case 0x2190: return "$\\leftarrow$";
	case 0x2264: return "$\\leq$";
	case 0x2265: return "$\\geq$";
	case 0x00ab: return "\\guillemotleft{}";
	case 0x00bb: return "\\guillemotright{}";
	}
	return NULL;
}

void report_esc_latex(struct buf *out, const char *s)
{
	size_t len = s ? strlen(s) : 0, i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s, len, i, &cp);
		const char *sp;
		if (cp < 0x80) {
			switch (cp) {
			case '\\': buf_adds(out, "\\textbackslash{}"); break;
			case '{': buf_adds(out, "\\{"); break;
			case '}': buf_adds(out, "\\}"); break;
			case '$': buf_adds(out, "\\$"); break;
			case '&': buf_adds(out, "\\&"); break;
			case '#': buf_adds(out, "\\#"); break;
			case '^': buf_adds(out, "\\textasciicircum{}"); break;
			case '_': buf_adds(out, "\\_"); break;
			case '%': buf_adds(out, "\\%"); break;
			case '~': buf_adds(out, "\\textasciitilde{}"); break;
			case '<': buf_adds(out, "\\textless{}"); break;
			case '>': buf_adds(out, "\\textgreater{}"); break;
			case '|': buf_adds(out, "\\textbar{}"); break;
			case '"': buf_adds(out, "\\textquotedbl{}"); break;
			default:
				if (cp < 0x20 || cp == 0x7f)
					buf_addch(out, ' ');   /* newlines, tabs, controls */
				else
					buf_addch(out, (int)cp);
			}
		} else if ((sp = latex_special(cp))) {
			buf_adds(out, sp);
		} else if (cp >= 0xc0 && cp <= 0x17f && cp != 0xd7 && cp != 0xf7) {
			/* Latin-1 letters and Latin Extended-A: T1 + utf8 set them */
			buf_add(out, s + i, n);
		} else {
			/* anything else (CJK, emoji, U+FFFD for invalid bytes) would
			 * stop pdflatex: show it as a question mark */
			buf_addch(out, '?');
		}
		i += n;
	}
}

void report_esc_csv(struct buf *out, const char *s)
{
	struct buf clean = BUF_INIT;
	const char *p;
	int quote;

	if (!s)
		s = "";
	utf8_sanitize(s, strlen(s), &clean);
	p = buf_cstr(&clean);
	quote = strpbrk(p, ",\"\r\n") != NULL || (*p && (p[0] == ' ' || p[clean.len - 1] == ' '));
	/* a cell that starts like a formula is prefixed with ' so a spreadsheet
	 * shows it as text (OWASP's advice against CSV injection) */
	if (strchr("=+-@\t\r", *p) && *p)
		quote = 1;
	if (quote)
		buf_addch(out, '"');
	if (*p && strchr("=+-@\t\r", *p))
		buf_addch(out, '\'');
	for (; *p; p++) {
		if (*p == '"')
			buf_addch(out, '"');
		buf_addch(out, *p);
	}
	if (quote)
		buf_addch(out, '"');
	buf_release(&clean);
}

/* Code points the plots' font (DejaVu Sans) draws. Without a fallback
 * font, cairo/pango draw others (CJK, emoji) as huge broken glyphs that
 * cover the plot, so they become '?'. */
static int gnuplot_drawable(uint32_t cp)
{
	return cp < 0x590 || (cp >= 0x1e00 && cp < 0x2000) || (cp >= 0x2000 && cp < 0x2070) ||
	       (cp >= 0x20a0 && cp < 0x20d0) || (cp >= 0x2100 && cp < 0x2300) || cp == 0xfffd;
}

void report_esc_gnuplot(struct buf *out, const char *s)
{
	size_t len = s ? strlen(s) : 0, i = 0;

	buf_addch(out, '\'');
	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s, len, i, &cp);
		if (cp == '\'')
			buf_adds(out, "''");      /* the only escape in single quotes */
		else if (cp < 0x20 || cp == 0x7f)
			buf_addch(out, ' ');
		else if (cp < 0x80)
			buf_addch(out, (int)cp);
		else if (gnuplot_drawable(cp))
			utf8_put(out, cp);        /* invalid bytes arrive as U+FFFD */
		else
			buf_addch(out, '?');
		i += n;
	}
	buf_addch(out, '\'');
}
