#include "lib/common.h"
#include "adapters/http/httpq.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <strings.h>

enum { XS_NEW, XS_PENDING, XS_RUNNING, XS_DONE };

int httpq_init(struct httpq *q, const struct httpq_opts *o)
{
	memset(q, 0, sizeof(*q));
	q->o = *o;
	if (q->o.max_inflight < 1)
		q->o.max_inflight = 1;
	if (!q->o.max_response)
		q->o.max_response = (size_t)64 << 20;
	q->multi = curl_multi_init();
	if (!q->multi)
		return error("cannot create a libcurl multi handle");
	/* we bound the transfers ourselves; keep enough idle connections alive */
	curl_multi_setopt(q->multi, CURLMOPT_MAXCONNECTS, q->o.max_inflight + 4);
	curl_multi_setopt(q->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	return 0;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct httpq_xfer *x = ud;
	size_t n = size * nmemb;

	if (buf_add(&x->resp, ptr, n) < 0) {
		x->too_large = 1;
		return 0;   /* CURLE_WRITE_ERROR */
	}
	return n;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct httpq_xfer *x = ud;
	size_t n = size * nmemb;

	/* a new status line (after 100 Continue or a redirect): keep only the last block */
	if (n >= 5 && !memcmp(ptr, "HTTP/", 5))
		buf_reset(&x->hdrs);
	buf_add(&x->hdrs, ptr, n);
	return n;
}

/* ---- the request body, with borrowed spans, read by libcurl as it sends ---- */

size_t httpq_body_len(const struct httpq_xfer *x)
{
	size_t n = x->body_len, i;

	for (i = 0; i < x->nrefs; i++)
		n += x->refs[i].len;
	return n;
}

int httpq_body_seek(struct httpq_xfer *x, size_t pos)
{
	size_t left = pos, in = 0, i;

	if (pos > httpq_body_len(x))
		return -1;
	x->up_skip = 0;
	for (i = 0; i < x->nrefs; i++) {
		size_t lead = x->refs[i].at - in;
		if (left < lead)
			break;
		left -= lead;
		in = x->refs[i].at;
		if (left < x->refs[i].len) {
			x->up_skip = left;
			left = 0;
			break;
		}
		left -= x->refs[i].len;
	}
	x->up_ref = i;
	x->up_in = in + left;
	return 0;
}

/* The inline text and the spans in order: up to n bytes. */
size_t httpq_body_read(struct httpq_xfer *x, char *dst, size_t room)
{
	size_t got = 0, n;

	while (got < room) {
		size_t end = x->up_ref < x->nrefs ? x->refs[x->up_ref].at : x->body_len;
		const struct bufref *r;
		if (x->up_in < end) {
			n = end - x->up_in < room - got ? end - x->up_in : room - got;
			memcpy(dst + got, x->body + x->up_in, n);
			x->up_in += n;
			got += n;
			continue;
		}
		if (x->up_ref >= x->nrefs)
			break;
		r = &x->refs[x->up_ref];
		n = r->len - x->up_skip < room - got ? r->len - x->up_skip : room - got;
		memcpy(dst + got, r->data + x->up_skip, n);
		x->up_skip += n;
		got += n;
		if (x->up_skip == r->len) {
			x->up_skip = 0;
			x->up_ref++;
		}
	}
	return got;
}

static size_t on_read(char *dst, size_t size, size_t nitems, void *ud)
{
	return httpq_body_read(ud, dst, size * nitems);
}

static int on_seek(void *ud, curl_off_t off, int origin)
{
	if (origin != SEEK_SET || off < 0 || httpq_body_seek(ud, (size_t)off) < 0)
		return CURL_SEEKFUNC_CANTSEEK;
	return CURL_SEEKFUNC_OK;
}

static void unlink_from(struct httpq_xfer **head, struct httpq_xfer **tail, struct httpq_xfer *x)
{
	struct httpq_xfer *p = NULL, *c;

	for (c = *head; c; p = c, c = c->next)
		if (c == x)
			break;
	if (!c)
		return;
	if (p)
		p->next = c->next;
	else
		*head = c->next;
	if (*tail == c)
		*tail = p;
	c->next = NULL;
}

static int is_https(const char *url)
{
	return !strncasecmp(url, "https://", 8);
}

static int start(struct httpq *q, struct httpq_xfer *x)
{
	CURL *e = curl_easy_init();
	size_t i;

	if (!e)
		return error("cannot create a libcurl handle");
	x->slist = curl_slist_append(NULL, "Expect:");
	for (i = 0; i < x->nheaders; i++)
		x->slist = curl_slist_append(x->slist, x->headers[i]);
	curl_easy_setopt(e, CURLOPT_URL, x->url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->slist);
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	if (x->nrefs) {
		/* borrowed spans: libcurl reads the body piece by piece, no copy of it is made */
		httpq_body_seek(x, 0);
		curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(e, CURLOPT_READDATA, x);
		curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, on_seek);
		curl_easy_setopt(e, CURLOPT_SEEKDATA, x);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)httpq_body_len(x));
	} else {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body ? x->body : "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->body_len);
	}
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errmsg);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	if (is_https(x->url)) {
		curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
		curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	} else {
		curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	}
	if (q->o.cainfo)
		curl_easy_setopt(e, CURLOPT_CAINFO, q->o.cainfo);
	if (q->o.connect_timeout_ms > 0)
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, q->o.connect_timeout_ms);
	if (q->o.timeout_ms > 0)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, q->o.timeout_ms);
	if (x->stream && q->o.idle_timeout_ms > 0) {
		long secs = (q->o.idle_timeout_ms + 999) / 1000;
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, secs);
	}
	x->errmsg[0] = 0;
	x->easy = e;
	x->t_start = mono_now();
	if (curl_multi_add_handle(q->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		curl_slist_free_all(x->slist);
		x->easy = NULL;
		x->slist = NULL;
		return error("cannot add a transfer to the libcurl multi handle");
	}
	x->state = XS_RUNNING;
	x->next = NULL;
	if (q->run_tail)
		q->run_tail->next = x;
	else
		q->run_head = x;
	q->run_tail = x;
	q->running++;
	q->transfers++;
	return 0;
}

static void pump(struct httpq *q)
{
	while (q->pend_head && q->running < q->o.max_inflight) {
		struct httpq_xfer *x = q->pend_head;
		q->pend_head = x->next;
		if (!q->pend_head)
			q->pend_tail = NULL;
		x->next = NULL;
		if (start(q, x) < 0) {
			/* cannot even start: finish it as a transport error */
			x->curl_code = CURLE_FAILED_INIT;
			snprintf(x->errmsg, sizeof(x->errmsg), "cannot start the transfer");
			x->t_start = x->t_done = mono_now();
			x->state = XS_DONE;
			if (q->done_tail)
				q->done_tail->next = x;
			else
				q->done_head = x;
			q->done_tail = x;
		}
	}
}

int httpq_submit(struct httpq *q, struct httpq_xfer *x)
{
	buf_release(&x->resp);
	buf_release(&x->hdrs);
	buf_init(&x->resp, q->o.max_response);
	buf_init(&x->hdrs, (size_t)1 << 20);
	x->status = 0;
	x->curl_code = 0;
	x->too_large = 0;
	x->errmsg[0] = 0;
	x->t_submit = mono_now();
	x->t_start = x->t_done = 0;
	x->t_connect = x->t_ttfb = 0;
	x->new_conns = 0;
	x->next = NULL;
	x->state = XS_PENDING;
	if (q->pend_tail)
		q->pend_tail->next = x;
	else
		q->pend_head = x;
	q->pend_tail = x;
	pump(q);
	return 0;
}

static void finish(struct httpq *q, CURL *e, CURLcode res)
{
	struct httpq_xfer *x = NULL;
	curl_off_t t;
	long v;

	curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
	x->curl_code = (int)res;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &x->status);
	if (curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &t) == CURLE_OK)
		x->t_connect = (double)t / 1e6;
	if (curl_easy_getinfo(e, CURLINFO_STARTTRANSFER_TIME_T, &t) == CURLE_OK)
		x->t_ttfb = (double)t / 1e6;
	if (curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &v) == CURLE_OK)
		x->new_conns = v;
	if (curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &v) == CURLE_OK)
		x->http_version = v;
	if (res != CURLE_OK && !x->errmsg[0])
		snprintf(x->errmsg, sizeof(x->errmsg), "%s", curl_easy_strerror(res));
	q->conns_opened += x->new_conns;
	unlink_from(&q->run_head, &q->run_tail, x);
	curl_multi_remove_handle(q->multi, e);
	curl_easy_cleanup(e);
	curl_slist_free_all(x->slist);
	x->slist = NULL;
	x->easy = NULL;
	x->t_done = mono_now();
	x->state = XS_DONE;
	q->running--;
	x->next = NULL;
	if (q->done_tail)
		q->done_tail->next = x;
	else
		q->done_head = x;
	q->done_tail = x;
}

static int perform(struct httpq *q)
{
	CURLMsg *msg;
	CURLMcode mc;
	int still = 0, left;

	mc = curl_multi_perform(q->multi, &still);
	if (mc != CURLM_OK)
		return error("libcurl: %s", curl_multi_strerror(mc));
	while ((msg = curl_multi_info_read(q->multi, &left)))
		if (msg->msg == CURLMSG_DONE)
			finish(q, msg->easy_handle, msg->data.result);
	return 0;
}

int httpq_poll(struct httpq *q, int timeout_ms, struct curl_waitfd *extra, unsigned nextra)
{
	CURLMcode mc;
	unsigned i;

	for (i = 0; i < nextra; i++)
		extra[i].revents = 0;
	pump(q);
	if (perform(q) < 0)
		return -1;
	pump(q);
	if (q->done_head)
		timeout_ms = 0;
	if (timeout_ms < 0)
		timeout_ms = 0;
	mc = curl_multi_poll(q->multi, extra, nextra, timeout_ms, NULL);
	if (mc != CURLM_OK && mc != CURLM_UNRECOVERABLE_POLL)
		return error("libcurl: %s", curl_multi_strerror(mc));
	if (perform(q) < 0)
		return -1;
	pump(q);
	return 0;
}

struct httpq_xfer *httpq_done(struct httpq *q)
{
	struct httpq_xfer *x = q->done_head;

	if (!x)
		return NULL;
	q->done_head = x->next;
	if (!q->done_head)
		q->done_tail = NULL;
	x->next = NULL;
	x->state = XS_NEW;
	return x;
}

void httpq_cancel(struct httpq *q, struct httpq_xfer *x)
{
	switch (x->state) {
	case XS_PENDING:
		unlink_from(&q->pend_head, &q->pend_tail, x);
		break;
	case XS_RUNNING:
		unlink_from(&q->run_head, &q->run_tail, x);
		curl_multi_remove_handle(q->multi, x->easy);
		curl_easy_cleanup(x->easy);
		curl_slist_free_all(x->slist);
		x->easy = NULL;
		x->slist = NULL;
		q->running--;
		break;
	case XS_DONE:
		unlink_from(&q->done_head, &q->done_tail, x);
		break;
	default:
		break;
	}
	x->state = XS_NEW;
}

long httpq_inflight(const struct httpq *q)
{
	long n = q->running;
	const struct httpq_xfer *x;

	for (x = q->pend_head; x; x = x->next)
		n++;
	return n;
}

void httpq_release(struct httpq *q)
{
	while (q->pend_head)
		httpq_cancel(q, q->pend_head);
	while (q->run_head)
		httpq_cancel(q, q->run_head);
	if (q->multi)
		curl_multi_cleanup(q->multi);
	q->multi = NULL;
	q->done_head = q->done_tail = NULL;
}

const char *httpq_header(const struct buf *hdrs, const char *name, char *out, size_t outsz)
{
	const char *p = buf_cstr(hdrs), *end = p + hdrs->len;
	size_t nl = strlen(name);

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end;
		if ((size_t)(le - p) > nl && p[nl] == ':' && !strncasecmp(p, name, nl)) {
			const char *v = p + nl + 1, *ve = le;
			size_t n;
			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			n = (size_t)(ve - v);
			if (n >= outsz)
				n = outsz - 1;
			memcpy(out, v, n);
			out[n] = 0;
			return out;
		}
		p = le + 1;
	}
	return NULL;
}

void httpq_xfer_release(struct httpq_xfer *x)
{
	buf_release(&x->resp);
	buf_release(&x->hdrs);
}
