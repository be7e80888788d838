/* SPDX-License-Identifier: MIT */
/* The host-side proxy of the network allow-list: a listener made inside the sandbox's network namespace, threads outside. */
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"
#include "run/net.h"

struct conn {
	struct run_proxy *px;
	pthread_t t;
	int used, done;
	int cfd, ufd;		/* the client inside, the upstream host; -1 when closed */
};

struct run_proxy {
	int lfd;
	int stop[2];		/* a byte on stop[1]: every thread returns */
	pthread_t acceptor;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t freed;
	int stopping;
	struct conn conns[RUN_PROXY_CONNS];
	const struct run_allow *list;
	size_t n;
	int logfd;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Printable ASCII of s[0..n) (at most 200 bytes), for the log. */
static void printable(char *out, size_t cap, const char *s, size_t n)
{
	size_t j = 0;

	for (size_t i = 0; i < n && j + 1 < cap && j < 200; i++)
		out[j++] = s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' ? s[i] : '?';
	out[j] = '\0';
}

/* One line per request: TIME allowed|refused METHOD HOST:PORT [ADDRESS] [: reason]. */
static void logline(struct run_proxy *px, const char *verdict, const char *method, const char *host, unsigned port,
		    const char *addr, const char *why)
{
	char line[1024], ts[32];
	time_t t = time(NULL);
	struct tm tm;
	int n;

	if (px->logfd < 0)
		return;
	gmtime_r(&t, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (port)
		n = snprintf(line, sizeof line, "%s %s %s %s%s%s:%u%s%s%s%s\n", ts, verdict, method,
			     strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", port, addr ? " " : "",
			     addr ? addr : "", why ? ": " : "", why ? why : "");
	else	/* a request that did not parse: its first line, made printable */
		n = snprintf(line, sizeof line, "%s %s %s \"%s\": %s\n", ts, verdict, method, host, why ? why : "");
	if (n > 0)
		(void)!write(px->logfd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* Write all of buf to a non-blocking fd, waiting at most ms. */
static int send_all(int fd, int stopfd, const char *buf, size_t n, int ms)
{
	long long until = now_ms() + ms;

	while (n) {
		ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);

		if (w > 0) {
			buf += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		{
			struct pollfd pf[2] = { { fd, POLLOUT, 0 }, { stopfd, POLLIN, 0 } };
			long long left = until - now_ms();

			if (left <= 0 || poll(pf, 2, (int)left) <= 0 || pf[1].revents)
				return -1;
		}
	}
	return 0;
}

static void refuse(struct conn *c, int status, const char *what, const char *why)
{
	const char *text = status == 403 ? "Forbidden" : status == 405 ? "Method Not Allowed" :
			   status == 431 ? "Request Header Fields Too Large" : status == 502 ? "Bad Gateway" :
			   status == 504 ? "Gateway Timeout" : status == 408 ? "Request Timeout" : "Bad Request";
	char body[768], head[256];
	int bn = snprintf(body, sizeof body, "pinfold: refused: %s: %s (docs/network.md; pinfold run --allow-host)\n",
			  what, why);
	int hn;

	if (bn < 0 || (size_t)bn >= sizeof body)
		bn = (int)strlen(body);
	hn = snprintf(head, sizeof head, "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
		      "Connection: close\r\n\r\n", status, text, bn);
	if (!send_all(c->cfd, c->px->stop[0], head, (size_t)hn, 2000))
		send_all(c->cfd, c->px->stop[0], body, (size_t)bn, 2000);
}

/* A non-blocking connect to sa within RUN_PROXY_CONNECT_MS; the socket or -1 with errno. */
static int connect_to(const struct sockaddr *sa, socklen_t len, int stopfd)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), err = 0, one = 1;
	socklen_t el = sizeof err;

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, sa, len) && errno != EINPROGRESS) {
		err = errno;
	} else {
		struct pollfd pf[2] = { { fd, POLLOUT, 0 }, { stopfd, POLLIN, 0 } };
		int r = poll(pf, 2, RUN_PROXY_CONNECT_MS);

		if (r <= 0 || pf[1].revents)
			err = r == 0 ? ETIMEDOUT : ECANCELED;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el))
			err = errno;
	}
	if (err) {
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static void addr_text(const struct sockaddr *sa, char *out, size_t cap)
{
	const void *a = sa->sa_family == AF_INET ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr :
						   (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;

	if (!inet_ntop(sa->sa_family, a, out, (socklen_t)cap))
		snprintf(out, cap, "?");
}

/*
 * The upstream connection for an allowed r: the pinned address, the IP
 * literal, or the name resolved here (only now that it is allowed), skipping
 * special addresses not allowed explicitly. -1 with *status and *why.
 */
static int upstream(struct conn *c, const struct run_req *r, const struct sockaddr_storage *pin, char *addr,
		    size_t addrcap, int *status, const char **why)
{
	struct sockaddr_storage ss;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV }, *res = NULL;
	char port[8];
	int fd = -1, special = 0, tried = 0, gai;

	if (pin || r->is_ip) {
		ss = pin ? *pin : r->ip;
		if (ss.ss_family == AF_INET)
			((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)r->port);
		else
			((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)r->port);
		addr_text((struct sockaddr *)&ss, addr, addrcap);
		fd = connect_to((struct sockaddr *)&ss, ss.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
						      sizeof(struct sockaddr_in6), c->px->stop[0]);
		if (fd < 0) {
			*status = errno == ETIMEDOUT ? 504 : 502;
			*why = errno == ETIMEDOUT ? "connection timed out" : "connection failed";
		}
		return fd;
	}
	snprintf(port, sizeof port, "%u", r->port);
	gai = getaddrinfo(r->host, port, &hints, &res);
	if (gai) {
		*status = 502;
		*why = "the name does not resolve";
		return -1;
	}
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if (run_addr_special(ai->ai_addr) && !run_allow_addr(c->px->list, c->px->n, ai->ai_addr, r->port)) {
			special = 1;
			addr_text(ai->ai_addr, addr, addrcap);
			continue;
		}
		tried = 1;
		addr_text(ai->ai_addr, addr, addrcap);
		fd = connect_to(ai->ai_addr, ai->ai_addrlen, c->px->stop[0]);
	}
	freeaddrinfo(res);
	if (fd < 0 && !tried && special) {
		*status = 403;
		*why = "it resolves to a loopback, private or link-local address (allow that address explicitly, "
		       "or pin the name: --allow-host NAME=ADDRESS)";
	} else if (fd < 0) {
		*status = errno == ETIMEDOUT ? 504 : 502;
		*why = errno == ETIMEDOUT ? "connection timed out" : "connection failed";
	}
	return fd;
}

/* The value of header name in head (NULL when absent); *n gets its length, spaces trimmed. */
static const char *header(const char *head, size_t len, const char *name, size_t *n)
{
	size_t nl = strlen(name);
	const char *p = memchr(head, '\n', len), *end = head + len;

	while (p && p + 1 < end) {
		const char *line = p + 1, *eol = memchr(line, '\r', (size_t)(end - line));

		if (!eol || eol == line)
			break;
		if ((size_t)(eol - line) > nl && line[nl] == ':' && !strncasecmp(line, name, nl)) {
			const char *v = line + nl + 1;

			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			*n = (size_t)(eol - v);
			while (*n && (v[*n - 1] == ' ' || v[*n - 1] == '\t'))
				(*n)--;
			return v;
		}
		p = eol + 1;
	}
	return NULL;
}

/* Plain HTTP: the request line in origin form, hop-by-hop and proxy headers dropped, Connection: close. */
static void rewrite(const char *buf, const struct run_req *r, struct pf_buf *out)
{
	static const char *const dropped[] = { "proxy-connection", "proxy-authorization", "connection", "keep-alive",
					       NULL };
	const char *p = memchr(buf, '\n', r->head_len) + 1, *end = buf + r->head_len - 2;

	pf_buf_add(out, buf, r->target_off);
	if (r->path_len)
		pf_buf_add(out, buf + r->path_off, r->path_len);
	else
		pf_buf_addc(out, '/');
	pf_buf_add(out, buf + r->ver_off, (size_t)(memchr(buf, '\r', r->head_len) - (void *)(buf + r->ver_off)));
	pf_buf_adds(out, "\r\n");
	while (p < end) {
		const char *eol = memchr(p, '\r', (size_t)(end - p)), *colon = memchr(p, ':', (size_t)(eol - p));
		int drop = 0;

		for (const char *const *d = dropped; colon && *d && !drop; d++)
			drop = (size_t)(colon - p) == strlen(*d) && !strncasecmp(p, *d, strlen(*d));
		if (!drop)
			pf_buf_add(out, p, (size_t)(eol - p) + 2);
		p = eol + 2;
	}
	pf_buf_adds(out, "Connection: close\r\n\r\n");
}

/*
 * Copy both ways until both sides are done, an error, the idle timeout or
 * stop. Each direction goes through a pipe of RUN_PROXY_BUF bytes with
 * splice(2): the bytes stay in the kernel (about half the cost of
 * read/write through a buffer here, bench/net-bench).
 */
static void relay(struct conn *c)
{
	int pipes[2][2] = { { -1, -1 }, { -1, -1 } };
	size_t len[2] = { 0, 0 }, cap[2] = { 0, 0 };
	int fd[2] = { c->cfd, c->ufd }, eof[2] = { 0, 0 }, shut[2] = { 0, 0 };
	const unsigned fl = SPLICE_F_NONBLOCK | SPLICE_F_MOVE;
	int r;

	for (int d = 0; d < 2; d++) {
		if (pipe2(pipes[d], O_CLOEXEC | O_NONBLOCK))
			goto out;
		/* the size asked for, or what the user's pipe budget (fs.pipe-user-pages-soft) leaves */
		fcntl(pipes[d][1], F_SETPIPE_SZ, RUN_PROXY_BUF);
		r = fcntl(pipes[d][1], F_GETPIPE_SZ);
		cap[d] = r > 0 ? (size_t)r : 4096;
	}
	/* direction d: from fd[d] through pipes[d] to fd[!d]; len[d] bytes wait in the pipe */
	for (;;) {
		struct pollfd pf[3] = { { fd[0], 0, 0 }, { fd[1], 0, 0 }, { c->px->stop[0], POLLIN, 0 } };
		int fail = 0;

		for (int d = 0; d < 2; d++) {
			if (!eof[d] && len[d] < cap[d])
				pf[d].events |= POLLIN;
			if (len[d])
				pf[!d].events |= POLLOUT;
		}
		if (!pf[0].events && !pf[1].events)
			break;
		r = poll(pf, 3, RUN_PROXY_IDLE_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || pf[2].revents)
			break;
		for (int d = 0; d < 2 && !fail; d++) {
			if ((pf[d].revents & (POLLIN | POLLHUP | POLLERR)) && !eof[d] && len[d] < cap[d]) {
				ssize_t n = splice(fd[d], NULL, pipes[d][1], NULL, cap[d] - len[d], fl);

				if (n > 0)
					len[d] += (size_t)n;
				else if (n == 0)
					eof[d] = 1;
				else if (errno != EAGAIN && errno != EINTR)
					fail = 1;
			}
			if (len[d]) {
				ssize_t w = splice(pipes[d][0], NULL, fd[!d], NULL, len[d], fl);

				if (w > 0)
					len[d] -= (size_t)w;
				else if (w < 0 && errno != EAGAIN && errno != EINTR)
					fail = 1;
			}
			if (eof[d] && !len[d] && !shut[d]) {
				shutdown(fd[!d], SHUT_WR);
				shut[d] = 1;
			}
		}
		if (fail || (shut[0] && shut[1]))
			break;
	}
out:
	for (int d = 0; d < 2; d++)
		for (int i = 0; i < 2; i++)
			if (pipes[d][i] >= 0)
				close(pipes[d][i]);
}

static void *serve(void *arg)
{
	struct conn *c = arg;
	struct run_proxy *px = c->px;
	char *buf = pf_xcalloc(1, RUN_PROXY_HDR_MAX + 1), addr[INET6_ADDRSTRLEN] = "", what[300];
	size_t len = 0;
	long long until = now_ms() + RUN_PROXY_HDR_MS;
	struct run_req r;
	const struct sockaddr_storage *pin = NULL;
	const char *why = NULL;
	int status = 0;

	/* The request's head, within RUN_PROXY_HDR_MS and RUN_PROXY_HDR_MAX bytes. */
	for (;;) {
		struct pollfd pf[2] = { { c->cfd, POLLIN, 0 }, { px->stop[0], POLLIN, 0 } };
		long long left = until - now_ms();
		ssize_t n;

		status = run_proxy_parse(buf, len, &r, &why);
		if (status)
			break;
		if (left <= 0 || poll(pf, 2, (int)left) <= 0 || pf[1].revents) {
			status = left <= 0 ? 408 : -1;
			why = "no complete request in time";
			break;
		}
		n = recv(c->cfd, buf + len, RUN_PROXY_HDR_MAX - len, 0);
		if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR))) {
			status = -1;
			break;
		}
		if (n > 0)
			len += (size_t)n;
		buf[len] = '\0';	/* for the log's strcspn below; the parser never reads past len */
	}
	if (status < 0)
		goto out;	/* the client went away, or pinfold is stopping: nothing to answer */
	if (status == 408) {
		logline(px, "refused", "-", "", 0, NULL, why);
		refuse(c, 408, "request", why);
		goto out;
	}
	if (status != 1) {
		char target[210];

		printable(target, sizeof target, buf, strcspn(buf, "\r\n") < len ? strcspn(buf, "\r\n") : len);
		logline(px, "refused", "-", target, 0, NULL, why);
		refuse(c, status, "request", why);
		goto out;
	}
	snprintf(what, sizeof what, "%s%s%s:%u", r.is_ip && strchr(r.host, ':') ? "[" : "", r.host,
		 r.is_ip && strchr(r.host, ':') ? "]" : "", r.port);
	if (!run_allow_match(px->list, px->n, r.host, r.is_ip, r.port, &pin, &why)) {
		logline(px, "refused", r.method, r.host, r.port, NULL, why);
		refuse(c, 403, what, why);
		goto out;
	}
	if (!r.connect) {
		/* The Host header must name the host of the URL: no other site behind the same address. */
		size_t hn = 0;
		const char *h = header(buf, r.head_len, "host", &hn);
		struct run_req hr;
		const char *hwhy;

		size_t hn2 = 0;
		const char *h2 = h ? header(h, r.head_len - (size_t)(h - buf), "host", &hn2) : NULL;

		if (h && (h2 || run_parse_authority(h, hn, 80, &hr, &hwhy) || strcmp(hr.host, r.host) ||
			  hr.port != r.port)) {
			why = h2 ? "more than one Host header" : "the Host header names another host than the URL";
			logline(px, "refused", r.method, r.host, r.port, NULL, why);
			refuse(c, 403, what, why);
			goto out;
		}
	}
	c->ufd = upstream(c, &r, pin, addr, sizeof addr, &status, &why);
	if (c->ufd < 0) {
		logline(px, "refused", r.method, r.host, r.port, *addr ? addr : NULL, why);
		refuse(c, status, what, why);
		goto out;
	}
	logline(px, "allowed", r.method, r.host, r.port, addr, NULL);
	if (r.connect) {
		static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";

		if (send_all(c->cfd, px->stop[0], ok, sizeof ok - 1, RUN_PROXY_CONNECT_MS) ||
		    send_all(c->ufd, px->stop[0], buf + r.head_len, len - r.head_len, RUN_PROXY_CONNECT_MS))
			goto out;
	} else {
		struct pf_buf out = PF_BUF_INIT;
		int bad;

		rewrite(buf, &r, &out);
		pf_buf_add(&out, buf + r.head_len, len - r.head_len);
		bad = send_all(c->ufd, px->stop[0], out.p, out.len, RUN_PROXY_CONNECT_MS);
		pf_buf_release(&out);
		if (bad)
			goto out;
	}
	free(buf);
	buf = NULL;
	relay(c);
out:
	free(buf);
	pthread_mutex_lock(&px->mu);
	if (c->ufd >= 0)
		close(c->ufd);
	close(c->cfd);
	c->cfd = c->ufd = -1;
	c->done = 1;
	pthread_cond_signal(&px->freed);
	pthread_mutex_unlock(&px->mu);
	return NULL;
}

/* Join finished connection threads; the index of a free slot or -1. Under mu. */
static int reap(struct run_proxy *px)
{
	int free_slot = -1;

	for (int i = 0; i < RUN_PROXY_CONNS; i++) {
		struct conn *c = &px->conns[i];

		if (c->used && c->done) {
			pthread_join(c->t, NULL);
			c->used = c->done = 0;
		}
		if (!c->used && free_slot < 0)
			free_slot = i;
	}
	return free_slot;
}

static void *accept_loop(void *arg)
{
	struct run_proxy *px = arg;

	for (;;) {
		struct pollfd pf[2] = { { px->lfd, POLLIN, 0 }, { px->stop[0], POLLIN, 0 } };
		int fd, slot;

		pthread_mutex_lock(&px->mu);
		while ((slot = reap(px)) < 0 && !px->stopping)
			pthread_cond_wait(&px->freed, &px->mu);
		pthread_mutex_unlock(&px->mu);
		if (slot < 0)
			break;
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		if (pf[1].revents)
			break;
		if (!(pf[0].revents & POLLIN))
			continue;
		fd = accept4(px->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));	/* small replies go at once */
		pthread_mutex_lock(&px->mu);
		px->conns[slot] = (struct conn){ .px = px, .used = 1, .cfd = fd, .ufd = -1 };
		if (pthread_create(&px->conns[slot].t, NULL, serve, &px->conns[slot])) {
			px->conns[slot].used = 0;
			close(fd);
		}
		pthread_mutex_unlock(&px->mu);
	}
	return NULL;
}

int run_proxy_serve(struct run_proxy **out, int listen_fd, const struct run_allow *list, size_t n, const char *log,
		    struct pf_err *e)
{
	struct run_proxy *px = pf_xcalloc(1, sizeof *px);
	int rc;

	*out = NULL;
	px->lfd = listen_fd;
	px->list = list;
	px->n = n;
	px->logfd = -1;
	px->stop[0] = px->stop[1] = -1;
	pthread_mutex_init(&px->mu, NULL);
	pthread_cond_init(&px->freed, NULL);
	if (log) {
		px->logfd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (px->logfd < 0) {
			rc = pf_error(e, PF_EIO, "network log '%s': %s", log, strerror(errno));
			goto fail;
		}
	}
	if (pipe2(px->stop, O_CLOEXEC)) {
		rc = pf_error(e, PF_EIO, "pipe: %s", strerror(errno));
		goto fail;
	}
	if ((rc = pthread_create(&px->acceptor, NULL, accept_loop, px))) {
		rc = pf_error(e, PF_EIO, "proxy thread: %s", strerror(rc));
		goto fail;
	}
	px->started = 1;
	*out = px;
	return 0;
fail:
	px->lfd = -1;	/* the caller's */
	run_proxy_stop(px);
	return rc;
}

void run_proxy_stop(struct run_proxy *px)
{
	if (!px)
		return;
	if (px->started) {
		pthread_mutex_lock(&px->mu);
		px->stopping = 1;
		pthread_cond_broadcast(&px->freed);
		pthread_mutex_unlock(&px->mu);
		(void)!write(px->stop[1], "x", 1);
		pthread_join(px->acceptor, NULL);
		for (int i = 0; i < RUN_PROXY_CONNS; i++)
			if (px->conns[i].used)
				pthread_join(px->conns[i].t, NULL);
	}
	if (px->lfd >= 0)
		close(px->lfd);
	for (int i = 0; i < 2; i++)
		if (px->stop[i] >= 0)
			close(px->stop[i]);
	if (px->logfd >= 0)
		close(px->logfd);
	pthread_mutex_destroy(&px->mu);
	pthread_cond_destroy(&px->freed);
	free(px);
}

/*
 * In a child process (setns needs a single-threaded caller to join a user
 * namespace): join init's network namespace, through the user namespace
 * that owns it when pinfold is not privileged there, and make the listener.
 * Returns the socket or -errno. Only system calls: it runs after fork().
 */
static int listen_inside(pid_t init)
{
	char path[64];
	int nfd, ufd, fd, one = 1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(RUN_PROXY_PORT),
				  .sin_addr = { htonl(INADDR_LOOPBACK) } };

	snprintf(path, sizeof path, "/proc/%d/ns/net", (int)init);
	nfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nfd < 0)
		return -errno;
	if (setns(nfd, CLONE_NEWNET)) {
		if (errno != EPERM)
			return -errno;
		ufd = ioctl(nfd, NS_GET_USERNS);
		if (ufd < 0 || setns(ufd, CLONE_NEWUSER) || setns(nfd, CLONE_NEWNET))
			return -errno;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	/* bubblewrap brings up lo right after it made the namespace: until then 127.0.0.1 does not exist. */
	for (int i = 0; bind(fd, (struct sockaddr *)&sa, sizeof sa); i++) {
		struct timespec ts = { 0, 2000000 };

		if (errno != EADDRNOTAVAIL || i > 5000)
			return -errno;
		nanosleep(&ts, NULL);
	}
	if (listen(fd, 128))
		return -errno;
	return fd;
}

int run_proxy_start(struct run_proxy **out, pid_t init, const struct run_allow *list, size_t n, const char *log,
		    struct pf_err *e)
{
	int sp[2], fd = -1, err = 0, ws, rc;
	pid_t pid;

	*out = NULL;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp))
		return pf_error(e, PF_EIO, "proxy: socketpair: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		err = errno;
		close(sp[0]);
		close(sp[1]);
		return pf_error(e, PF_EIO, "proxy: fork: %s", strerror(err));
	}
	if (pid == 0) {
		int lfd = listen_inside(init), res = lfd < 0 ? -lfd : 0;
		char cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { &res, sizeof res };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

		memset(cbuf, 0, sizeof cbuf);
		if (lfd >= 0) {
			struct cmsghdr *cm;

			m.msg_control = cbuf;
			m.msg_controllen = sizeof cbuf;
			cm = CMSG_FIRSTHDR(&m);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), &lfd, sizeof(int));
		}
		_exit(sendmsg(sp[1], &m, MSG_NOSIGNAL) < 0 ? 1 : 0);
	}
	close(sp[1]);
	{
		struct pollfd pf = { sp[0], POLLIN, 0 };
		char cbuf[CMSG_SPACE(sizeof(int))];
		int res = ETIMEDOUT;
		struct iovec iov = { &res, sizeof res };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				    .msg_controllen = sizeof cbuf };

		if (poll(&pf, 1, 15000) == 1 && recvmsg(sp[0], &m, MSG_CMSG_CLOEXEC) == (ssize_t)sizeof res) {
			struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

			if (!res && cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
				memcpy(&fd, CMSG_DATA(cm), sizeof(int));
			else if (!res)
				res = EPROTO;
		}
		err = res;
	}
	close(sp[0]);
	if (fd < 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (fd < 0)
		return pf_error(e, PF_EINTERNAL, "proxy: cannot listen inside the sandbox's network namespace: %s; "
				"the command was not run", strerror(err ? err : EPROTO));
	rc = run_proxy_serve(out, fd, list, n, log, e);
	if (rc)
		close(fd);
	return rc;
}
