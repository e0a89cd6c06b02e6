#include "lib/common.h"
#include "lib/rx.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

struct rx {
	pcre2_code *code;
	char *pattern;
	int ngroups;
};

struct rx *rx_compile(const char *pattern, int flags, const char *where)
{
	uint32_t opts = PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF;
	pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
	struct rx *r;
	int errcode;
	PCRE2_SIZE erroff;
	uint32_t cap = 0;

	if (!cc) {
		fprintf(stderr, "steval: out of memory\n");
		abort();
	}
	pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
	if (flags & RX_I)
		opts |= PCRE2_CASELESS;
	if (flags & RX_M)
		opts |= PCRE2_MULTILINE;
	if (flags & RX_S)
		opts |= PCRE2_DOTALL;
	if (flags & RX_A)
		opts |= PCRE2_ANCHORED;
	r = xcalloc(1, sizeof(*r));
	r->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts,
				&errcode, &erroff, cc);
	pcre2_compile_context_free(cc);
	if (!r->code) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		error("%s: bad regular expression '%s': %s at offset %zu", where, pattern,
		      (char *)msg, (size_t)erroff);
		free(r);
		return NULL;
	}
	pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE);   /* falls back to the interpreter */
	pcre2_pattern_info(r->code, PCRE2_INFO_CAPTURECOUNT, &cap);
	r->ngroups = (int)cap;
	r->pattern = xstrdup(pattern);
	return r;
}

void rx_free(struct rx *r)
{
	if (!r)
		return;
	pcre2_code_free(r->code);
	free(r->pattern);
	free(r);
}

int rx_search(const struct rx *r, const char *s, size_t len, size_t from, struct rx_match *m)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(r->code, NULL);
	PCRE2_SIZE *ov;
	int rc, g;

	if (!md) {
		fprintf(stderr, "steval: out of memory\n");
		abort();
	}
	rc = pcre2_match(r->code, (PCRE2_SPTR)s, len, from, 0, md, NULL);
	if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
		/* the JIT's 32 KiB machine stack is not enough for this text: the
		 * interpreter keeps its backtracking state on the heap (PCRE2's
		 * default 20 MB heap limit) and gives the same answer */
		rc = pcre2_match(r->code, (PCRE2_SPTR)s, len, from, PCRE2_NO_JIT, md, NULL);
	if (rc == PCRE2_ERROR_NOMATCH) {
		pcre2_match_data_free(md);
		return 0;
	}
	if (rc < 0) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(rc, msg, sizeof(msg));
		pcre2_match_data_free(md);
		return error("regular expression '%s' failed: %s", r->pattern, (char *)msg);
	}
	ov = pcre2_get_ovector_pointer(md);
	m->start = ov[0];
	m->end = ov[1];
	m->ngroups = r->ngroups;
	for (g = 1; g < 10; g++) {
		if (g <= r->ngroups && g < rc && ov[2 * g] != PCRE2_UNSET) {
			m->gstart[g] = ov[2 * g];
			m->gend[g] = ov[2 * g + 1];
		} else {
			m->gstart[g] = m->gend[g] = SIZE_MAX;
		}
	}
	pcre2_match_data_free(md);
	return 1;
}
