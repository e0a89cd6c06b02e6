/*
 * latency_server: a minimal OpenAI-compatible loopback server for the
 * dispatch benchmark, in C so that the server's own cost (taking in
 * megabytes of JSON per request) stays small beside steval's on a 2-core
 * machine. tests/servers/fake_llm.py is the full test server; this one only
 * answers.
 *
 *   latency_server --latency SECONDS [--answer TEXT]
 *
 * Prints "port N" on stdout, then serves HTTP/1.1 with keep-alive on
 * 127.0.0.1: each request (headers, then Content-Length bytes of body,
 * which are read and dropped) is answered SECONDS after its headers arrived
 * (reading the body is part of the latency, as in fake_llm.py), or when
 * its body is in if that is later, with a fixed chat completion whose
 * content is TEXT. One thread,
 * epoll, non-blocking sockets; answers leave in the order they fall due.
 * Runs until killed.
 */
#include "lib/common.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define HDR_MAX 16384

struct conn {
	int fd;
	char hdr[HDR_MAX];
	size_t hlen;
	long long body_left;    /* -1: reading headers */
	double arrival;         /* when the request's headers were in */
	double due;             /* > 0: an answer is waiting for this time */
	size_t sent;            /* bytes of the answer written */
	int writing;
};

static char *answer;
static size_t answer_len;

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void close_conn(int ep, struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c);
}

/* The Content-Length of a header block (0 when there is none). */
static long long content_length(const char *h, size_t n)
{
	static const char key[] = "\ncontent-length:";
	size_t i, k = sizeof(key) - 1;

	for (i = 0; i + k <= n; i++) {
		size_t j;
		for (j = 0; j < k; j++) {
			char a = h[i + j];
			if (a >= 'A' && a <= 'Z')
				a = (char)(a + 32);
			if (a != key[j])
				break;
		}
		if (j == k) {
			long long v = 0;
			i += k;
			while (i < n && h[i] == ' ')
				i++;
			while (i < n && h[i] >= '0' && h[i] <= '9')
				v = v * 10 + (h[i++] - '0');
			return v;
		}
	}
	return 0;
}

/* Read what is there; returns -1 when the connection is done. */
static int on_read(struct conn *c, double latency)
{
	char tmp[1 << 16];

	for (;;) {
		ssize_t n = read(c->fd, tmp, sizeof(tmp));
		size_t off = 0;
		if (n == 0)
			return -1;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		while (off < (size_t)n) {
			if (c->body_left < 0) {
				/* headers: copy until the blank line */
				while (off < (size_t)n && c->hlen < HDR_MAX) {
					c->hdr[c->hlen++] = tmp[off++];
					if (c->hlen >= 4 && !memcmp(c->hdr + c->hlen - 4, "\r\n\r\n", 4)) {
						c->body_left = content_length(c->hdr, c->hlen);
						c->arrival = mono_now();
						break;
					}
				}
				if (c->hlen >= HDR_MAX && c->body_left < 0)
					return -1;
			} else {
				size_t take = (size_t)n - off;
				if ((long long)take > c->body_left)
					take = (size_t)c->body_left;
				c->body_left -= (long long)take;
				off += take;
			}
			if (c->body_left == 0) {
				c->due = c->arrival + latency;
				c->body_left = -1;
				c->hlen = 0;
			}
		}
	}
}

/* Write the answer; 1 when all of it went, 0 when the socket is full, -1 on error. */
static int on_write(struct conn *c)
{
	while (c->sent < answer_len) {
		ssize_t n = write(c->fd, answer + c->sent, answer_len - c->sent);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		c->sent += (size_t)n;
	}
	return 1;
}

int main(int argc, char **argv)
{
	double latency = 0.5;
	const char *text = "B";
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	struct conn **conns = NULL;
	size_t nconns = 0, aconns = 0, i;
	struct epoll_event ev, evs[256];
	char body[512];
	int lfd, ep, one = 1, blen;

	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--latency") && i + 1 < (size_t)argc)
			latency = strtod(argv[++i], NULL);
		else if (!strcmp(argv[i], "--answer") && i + 1 < (size_t)argc)
			text = argv[++i];
		else {
			fprintf(stderr, "usage: latency_server --latency SECONDS [--answer TEXT]\n");
			return 2;
		}
	}
	blen = snprintf(body, sizeof(body),
			"{\"id\":\"b\",\"object\":\"chat.completion\",\"model\":\"bench\",\"choices\":"
			"[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"%s\"},"
			"\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,"
			"\"completion_tokens\":1,\"total_tokens\":11}}", text);
	answer = xasprintf("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			   "Content-Length: %d\r\nConnection: keep-alive\r\n\r\n%s", blen, body);
	answer_len = strlen(answer);

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 1024) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) < 0) {
		perror("latency_server");
		return 1;
	}
	set_nonblock(lfd);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	printf("port %d\n", ntohs(a.sin_port));
	fflush(stdout);

	for (;;) {
		double now = mono_now(), next = -1;
		int n, k, timeout;

		/* answers that fall due now start writing; find the next due time */
		for (i = 0; i < nconns; i++) {
			struct conn *c = conns[i];
			if (c->due > 0 && !c->writing) {
				if (c->due <= now) {
					c->writing = 1;
					c->sent = 0;
				} else if (next < 0 || c->due < next) {
					next = c->due;
				}
			}
			if (c->writing) {
				int w = on_write(c);
				if (w == 1) {
					c->writing = 0;
					c->due = 0;
				} else if (w < 0) {
					close_conn(ep, c);
					conns[i--] = conns[--nconns];
					continue;
				}
				ev.events = EPOLLIN | (c->writing ? EPOLLOUT : 0);
				ev.data.ptr = c;
				epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
			}
		}
		timeout = next < 0 ? -1 : (int)((next - now) * 1000) + 1;
		n = epoll_wait(ep, evs, 256, timeout);
		for (k = 0; k < n; k++) {
			struct conn *c = evs[k].data.ptr;
			if (!c) {
				int fd;
				while ((fd = accept(lfd, NULL, NULL)) >= 0) {
					set_nonblock(fd);
					fcntl(fd, F_SETFD, FD_CLOEXEC);
					c = xcalloc(1, sizeof(*c));
					c->fd = fd;
					c->body_left = -1;
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					ev.events = EPOLLIN;
					ev.data.ptr = c;
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
					ALLOC_GROW(conns, nconns + 1, aconns);
					conns[nconns++] = c;
				}
				continue;
			}
			if ((evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && on_read(c, latency) < 0) {
				for (i = 0; i < nconns; i++)
					if (conns[i] == c) {
						conns[i] = conns[--nconns];
						break;
					}
				close_conn(ep, c);
			}
		}
	}
}
