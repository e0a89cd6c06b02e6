#include "lib/common.h"
#include "adapters/http/httpq.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <poll.h>
#include <strings.h>
#include <sys/epoll.h>
#include <unistd.h>

enum { XS_NEW, XS_PENDING, XS_RUNNING, XS_DONE };

/*
 * libcurl's socket interface: it says which sockets it wants to read or
 * write (on_socket) and when its timer falls due (on_timer); httpq_poll()
 * waits on the two epoll sets and tells libcurl which socket is ready.
 */

/* One epoll set's membership of a socket, as libcurl wants it. */
static void member(int ep, curl_socket_t s, int want, unsigned events)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.fd = s;
	if (want)
		epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);   /* EEXIST: already in */
	else
		epoll_ctl(ep, EPOLL_CTL_DEL, s, NULL);  /* ENOENT: was not */
}

static int on_socket(CURL *e, curl_socket_t s, int what, void *ud, void *sp)
{
	struct httpq *q = ud;

	member(q->ep_in, s, what == CURL_POLL_IN || what == CURL_POLL_INOUT, EPOLLIN);
	member(q->ep_out, s, what == CURL_POLL_OUT || what == CURL_POLL_INOUT, EPOLLOUT);
	return 0;
}

static int on_timer(CURLM *m, long ms, void *ud)
{
	struct httpq *q = ud;

	q->timer_due = ms < 0 ? -1 : mono_now() + (double)ms / 1000;
	return 0;
}

int httpq_init(struct httpq *q, const struct httpq_opts *o)
{
	memset(q, 0, sizeof(*q));
	q->o = *o;
	if (q->o.max_inflight < 1)
		q->o.max_inflight = 1;
	if (!q->o.max_response)
		q->o.max_response = (size_t)64 << 20;
	q->timer_due = -1;
	q->ep_in = epoll_create1(EPOLL_CLOEXEC);
	q->ep_out = epoll_create1(EPOLL_CLOEXEC);
	q->multi = curl_multi_init();
	if (q->ep_in < 0 || q->ep_out < 0 || !q->multi) {
		httpq_release(q);
		return error("cannot create a libcurl multi handle");
	}
	curl_multi_setopt(q->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(q->multi, CURLMOPT_SOCKETDATA, q);
	curl_multi_setopt(q->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(q->multi, CURLMOPT_TIMERDATA, q);
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

/*
 * libcurl's reads. The first one of a transfer gives at most
 * HTTPQ_FIRST_READ bytes: the transfer starts inside httpq_submit(), and
 * there only its headers should go out, not a whole upload buffer of body
 * (the bulk follows in httpq_poll()'s send slices, behind the replies).
 */
static size_t on_read(char *dst, size_t size, size_t nitems, void *ud)
{
	struct httpq_xfer *x = ud;
	size_t room = size * nitems;

	if (x->up_first) {
		x->up_first = 0;
		if (room > HTTPQ_FIRST_READ)
			room = HTTPQ_FIRST_READ;
	}
	return httpq_body_read(x, dst, room);
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
		x->up_first = 1;
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
	if (x->nrefs && httpq_body_len(x) >= HTTPQ_UPLOAD_BUFFER * 4)
		curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, (long)HTTPQ_UPLOAD_BUFFER);
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

static int run_timer(struct httpq *q);

/*
 * Hand pending transfers to libcurl while slots are free, and run them at
 * once: a new transfer's headers (and the first of its body) leave now, not
 * at the next poll.
 */
static void pump(struct httpq *q)
{
	int started = 0;

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
			continue;
		}
		started = 1;
	}
	if (started)
		run_timer(q);   /* an error here shows again at the next poll */
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

/* Hand finished transfers to the done list. */
static void collect(struct httpq *q)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(q->multi, &left)))
		if (msg->msg == CURLMSG_DONE)
			finish(q, msg->easy_handle, msg->data.result);
}

static int action(struct httpq *q, curl_socket_t s, int mask)
{
	int still = 0;
	CURLMcode mc = curl_multi_socket_action(q->multi, s, mask, &still);

	if (mc != CURLM_OK)
		return error("libcurl: %s", curl_multi_strerror(mc));
	collect(q);
	return 0;
}

/* libcurl's timer, when it is due (new transfers start this way). */
static int run_timer(struct httpq *q)
{
	if (q->timer_due < 0 || mono_now() < q->timer_due)
		return 0;
	q->timer_due = -1;
	return action(q, CURL_SOCKET_TIMEOUT, 0);
}

/* Serve up to max ready sockets of one epoll set; returns how many, or -1. */
static int serve(struct httpq *q, int ep, int mask, int max)
{
	struct epoll_event ev[64];
	int n, i;

	if (max > 64)
		max = 64;
	n = epoll_wait(ep, ev, max, 0);
	for (i = 0; i < n; i++) {
		int m = mask;
		if (ev[i].events & EPOLLERR)
			m |= CURL_CSELECT_ERR;
		if (action(q, ev[i].data.fd, m) < 0)
			return -1;
	}
	return n < 0 ? 0 : n;
}

/*
 * Replies first: what arrived is read before more request bytes are sent;
 * when transfers finished, the caller gets them (and starts their
 * successors, whose headers leave at once) before the bulk of the other
 * bodies is pushed on. Sending goes on in batches, looking for replies
 * between them, for at most HTTPQ_SEND_SLICE seconds per poll. A poll that
 * returned early owes one batch to the next, so a stream of replies never
 * starves the bodies.
 */
static int serve_all(struct httpq *q)
{
	double until = mono_now() + HTTPQ_SEND_SLICE;

	for (;;) {
		int n;
		if (serve(q, q->ep_in, CURL_CSELECT_IN, HTTPQ_READ_BATCH) < 0 || run_timer(q) < 0)
			return -1;
		if (q->done_head && !q->owed) {
			q->owed = 1;
			return 0;
		}
		q->owed = 0;
		/* IN too: a reply (say, a proxy's 413 before the body) that came
		 * in since is read before the next send meets a reset */
		n = serve(q, q->ep_out, CURL_CSELECT_OUT | CURL_CSELECT_IN, HTTPQ_SEND_BATCH);
		if (n <= 0 || mono_now() >= until)
			return n < 0 ? -1 : 0;
	}
}

int httpq_poll(struct httpq *q, int timeout_ms, struct curl_waitfd *extra, unsigned nextra)
{
	struct pollfd *pf;
	unsigned i;
	int n;

	ALLOC_GROW(q->pf, 2 + (size_t)nextra, q->apf);
	pf = q->pf;
	for (i = 0; i < nextra; i++)
		extra[i].revents = 0;
	pump(q);
	if (run_timer(q) < 0)
		return -1;
	if (q->done_head || timeout_ms < 0)
		timeout_ms = 0;
	if (q->timer_due >= 0) {
		double left = (q->timer_due - mono_now()) * 1000;
		if (left < timeout_ms)
			timeout_ms = left <= 0 ? 0 : (int)left + 1;
	}
	pf[0].fd = q->ep_in;
	pf[1].fd = q->ep_out;
	pf[0].events = pf[1].events = POLLIN;
	for (i = 0; i < nextra; i++) {
		pf[2 + i].fd = extra[i].fd;
		pf[2 + i].events = (short)((extra[i].events & CURL_WAIT_POLLIN ? POLLIN : 0) |
					   (extra[i].events & CURL_WAIT_POLLPRI ? POLLPRI : 0) |
					   (extra[i].events & CURL_WAIT_POLLOUT ? POLLOUT : 0));
	}
	n = poll(pf, 2 + nextra, timeout_ms);
	if (n < 0 && errno != EINTR)
		return error("httpq: poll: %s", strerror(errno));
	for (i = 0; n > 0 && i < nextra; i++) {
		short r = pf[2 + i].revents;
		extra[i].revents = (short)((r & (POLLIN | POLLHUP | POLLERR) ? CURL_WAIT_POLLIN : 0) |
					   (r & POLLPRI ? CURL_WAIT_POLLPRI : 0) |
					   (r & POLLOUT ? CURL_WAIT_POLLOUT : 0));
	}
	if (serve_all(q) < 0)
		return -1;
	if (run_timer(q) < 0)
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
	free(q->pf);
	q->pf = NULL;
	q->apf = 0;
	if (q->ep_in >= 0)
		close(q->ep_in);
	if (q->ep_out >= 0)
		close(q->ep_out);
	q->ep_in = q->ep_out = -1;
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
