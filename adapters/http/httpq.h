/*
 * httpq.h: concurrent HTTP POSTs over one libcurl multi handle.
 *
 * One struct httpq per run. The caller fills a struct httpq_xfer (URL,
 * headers, body) and submits it; httpq keeps its own FIFO and hands a
 * transfer to libcurl only when fewer than max_inflight are running, so no
 * timeout ever runs while a transfer waits for a connection (libcurl starts
 * CURLOPT_TIMEOUT_MS at curl_multi_add_handle). httpq_poll() waits on the
 * sockets and on the caller's extra descriptors (a self-pipe for SIGINT,
 * the frame pool's completion fd, a worker's pipes), then finished
 * transfers come out of httpq_done() with status, body and headers.
 *
 * Scheduling (docs/dispatch.md, docs/PERFORMANCE.md): libcurl's socket
 * interface over two epoll sets, one for the sockets libcurl reads, one for
 * those it writes. A submitted transfer starts at once (its headers leave
 * in httpq_submit(), not at the next poll); a poll serves replies first and
 * hands finished transfers back before it pushes more of the other bodies,
 * which it sends a few sockets at a time, looking for replies in between,
 * for at most HTTPQ_SEND_SLICE per call. So a reply's slot is refilled
 * within about a millisecond even while a wave of large bodies is going
 * out on the one thread.
 *
 * Bodies: contiguous (body, body_len), or with borrowed spans (refs, from
 * a struct bufrefs, lib/buf.h): large base64 payloads that stay in the
 * frame set or the media cache and are read by libcurl straight from there
 * (CURLOPT_READFUNCTION, seekable for libcurl's rewinds), so no request
 * holds a copy of its images.
 *
 * Every transfer: an empty "Expect:" header (no 100-continue stall on large
 * bodies), any Content-Encoding libcurl knows (gzip, br, zstd), HTTP/1.1
 * for plain http (h2c prior knowledge is broken in libcurl 7.88), HTTP/2
 * with connection sharing (PIPEWAIT) over TLS, a connect timeout, a total
 * timeout, and for streamed responses an idle timeout (low-speed limit:
 * less than one byte per second for that long). Response bodies are capped
 * (max_response): a larger one ends the transfer with too_large set.
 *
 * Ownership: the caller owns every struct httpq_xfer and what it points to
 * (URL, header strings, body, the spans and the bytes they borrow) until the transfer comes out of httpq_done()
 * or is cancelled; httpq owns the response buffers inside it until
 * httpq_xfer_release().
 */
#ifndef STEVAL_HTTPQ_H
#define STEVAL_HTTPQ_H

#include "lib/common.h"
#include "lib/buf.h"

#include <curl/curl.h>

struct httpq_opts {
	long connect_timeout_ms;   /* 0: libcurl's default (300 s) */
	long timeout_ms;           /* whole transfer; 0: none */
	long idle_timeout_ms;      /* streamed responses only; 0: none */
	size_t max_response;       /* body cap in bytes */
	long max_inflight;         /* transfers inside libcurl at once */
	const char *cainfo;        /* CA bundle, or NULL for the system's */
};

struct httpq_xfer {
	/* request: set by the caller, borrowed */
	const char *url;
	char *const *headers;      /* "Name: value" */
	size_t nheaders;
	const char *body;
	size_t body_len;
	const struct bufref *refs; /* spans inserted into body (lib/buf.h), or none */
	size_t nrefs;
	int stream;                /* a streamed response: the idle timeout applies */
	void *ctx;                 /* the caller's */

	/* result */
	long status;               /* HTTP status; 0 when no response came */
	int curl_code;             /* CURLE_OK or the transport error */
	char errmsg[CURL_ERROR_SIZE];
	int too_large;             /* the body crossed max_response */
	struct buf resp;           /* response body */
	struct buf hdrs;           /* header lines of the final response */
	double t_submit, t_start, t_done;   /* monotonic seconds */
	double t_connect, t_ttfb;           /* from libcurl, seconds after t_start */
	long new_conns;            /* connections opened for it (0: reused) */
	long http_version;         /* CURL_HTTP_VERSION_* used */

	/* private */
	size_t up_ref, up_skip;    /* reading the body: the next span, bytes of it read */
	size_t up_in;              /* reading the body: offset in body reached */
	int up_first;              /* the next read is the transfer's first */
	CURL *easy;
	struct curl_slist *slist;
	struct httpq_xfer *next;
	int state;
};

/* Reading: sockets served before finished transfers go back to the caller
 * (the rest: at its next poll). Sending: sockets served between two looks
 * for replies, and for how long at most one poll sends before it hands
 * back to the caller (seconds). */
#define HTTPQ_READ_BATCH 8
#define HTTPQ_SEND_BATCH 8
#define HTTPQ_SEND_SLICE 0.002
/* libcurl's upload buffer for bodies of 1 MiB and more (its default: 64
 * KiB): fewer, larger sends cost less CPU per byte. */
#define HTTPQ_UPLOAD_BUFFER ((size_t)256 << 10)
/* The first read of a body gives at most this much: submitting a transfer
 * sends its headers, not a whole upload buffer (see on_read). */
#define HTTPQ_FIRST_READ ((size_t)4 << 10)

struct pollfd;

struct httpq {
	CURLM *multi;
	int ep_in, ep_out;         /* epoll sets: the sockets libcurl reads, writes */
	double timer_due;          /* libcurl's timeout (monotonic seconds); < 0: none */
	int owed;                  /* the last poll sent nothing: this one must */
	struct pollfd *pf;         /* httpq_poll()'s descriptors */
	size_t apf;
	struct httpq_opts o;
	struct httpq_xfer *pend_head, *pend_tail;
	struct httpq_xfer *run_head, *run_tail;
	struct httpq_xfer *done_head, *done_tail;
	long running;
	long conns_opened;         /* over the queue's life */
	long transfers;
};

int httpq_init(struct httpq *q, const struct httpq_opts *o);
/* Aborts whatever is still pending or running (their results are lost). */
void httpq_release(struct httpq *q);
int httpq_submit(struct httpq *q, struct httpq_xfer *x);
/*
 * Runs transfers, waiting at most timeout_ms for something to happen on
 * the sockets or on the extra descriptors (their revents are filled).
 * Returns at once when finished transfers are waiting in httpq_done().
 */
int httpq_poll(struct httpq *q, int timeout_ms, struct curl_waitfd *extra, unsigned nextra);
struct httpq_xfer *httpq_done(struct httpq *q);
/* Take a transfer back, pending or running; it will not come out of httpq_done(). */
void httpq_cancel(struct httpq *q, struct httpq_xfer *x);
long httpq_inflight(const struct httpq *q);   /* pending + running */

/* Case-insensitive lookup in x->hdrs; returns a pointer to a static-per-call
 * copy in out (NUL-terminated, trimmed) or NULL. */
const char *httpq_header(const struct buf *hdrs, const char *name, char *out, size_t outsz);
void httpq_xfer_release(struct httpq_xfer *x);

/* The body's reader as libcurl calls it (tests): up to n bytes from the
 * current position; and a seek to pos (0 .. the whole length). */
size_t httpq_body_read(struct httpq_xfer *x, char *dst, size_t n);
int httpq_body_seek(struct httpq_xfer *x, size_t pos);
size_t httpq_body_len(const struct httpq_xfer *x);

#endif
