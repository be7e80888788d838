/* SPDX-License-Identifier: MIT */
/* Unit tests of the allow-list: names, patterns, addresses, the proxy's request parser with hostile input, the proxy itself on loopback. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/file.h"
#include "run/net.h"
#include "tap.h"

static int parse(const char *req, struct run_req *r, const char **why)
{
	*why = "";
	return run_proxy_parse(req, strlen(req), r, why);
}

static void test_names(void)
{
	char out[RUN_NAME_MAX + 1];
	struct sockaddr_storage ip;
	const char *why;
	int is_ip;
	char big[300];

#define NORM(s) run_host_normalise(s, strlen(s), out, &is_ip, &ip, &why)
	ok(NORM("API.Example.COM.") == 0 && !strcmp(out, "api.example.com") && !is_ip,
	   "case and one trailing dot are normalised away");
	ok(NORM("xn--bcher-kva.example") == 0 && !strcmp(out, "xn--bcher-kva.example"), "a punycode label is a name");
	ok(NORM("b\xc3\xbc" "cher.example") < 0 && strstr(why, "non-ASCII"), "a non-ASCII name is refused, naming why");
	ok(NORM("a..b") < 0, "an empty label is refused");
	ok(NORM("example.com..") < 0, "two trailing dots are refused");
	ok(NORM("-a.example") < 0 && NORM("a-.example") < 0, "labels starting or ending in '-' are refused");
	ok(NORM("a_b.example") < 0 && NORM("a b.example") < 0 && NORM("a%2eb") < 0, "other characters are refused");
	memset(big, 'a', 64);
	memcpy(big + 64, ".example", 9);
	ok(NORM(big) < 0, "a 64-character label is refused");
	ok(NORM("127.0.0.1") == 0 && is_ip && ip.ss_family == AF_INET, "a dotted quad is an IPv4 address");
	ok(NORM("127.1") < 0 && NORM("2130706433") < 0 && NORM("0x7f.0.0.1") < 0 && NORM("0177.0.0.1") < 0 &&
	   NORM("1.2.3.0x4") < 0, "other numeric forms of addresses are refused");
	ok(NORM("[::1]") == 0 && is_ip && !strcmp(out, "::1"), "a bracketed IPv6 literal");
	ok(NORM("[0:0::1]") == 0 && !strcmp(out, "::1"), "IPv6 literals are normalised");
	ok(NORM("[::1") < 0 && NORM("[zz::1]") < 0 && NORM("[]") < 0, "malformed IPv6 literals are refused");
	ok(NORM("") < 0 && NORM(".") < 0, "an empty name is refused");
#undef NORM
}

static void test_patterns(void)
{
	struct run_allow a[6];
	struct pf_err e = { 0 };
	const struct sockaddr_storage *pin;
	const char *why;
	size_t n = 0;

	ok(run_allow_parse(&a[n++], "API.example.com", &e) == 0, "a name");
	ok(run_allow_parse(&a[n++], "*.pinfold.test:8443", &e) == 0 && a[1].wildcard && a[1].port == 8443,
	   "a wildcard with a port");
	ok(run_allow_parse(&a[n++], "pinned.test:9000=127.0.0.1", &e) == 0 && a[2].pinned, "a name pinned to an address");
	ok(run_allow_parse(&a[n++], "[::1]:8080", &e) == 0 && a[3].is_ip && a[3].port == 8080, "an IPv6 literal with a port");
	ok(run_allow_parse(&a[n++], "10.1.2.3", &e) == 0 && a[4].is_ip, "an IPv4 literal");
	ok(run_allow_match(a, n, "api.example.com", 0, 443, &pin, &why) && !pin, "the name on 443");
	ok(run_allow_match(a, n, "api.example.com", 0, 80, &pin, &why), "the name on 80");
	ok(!run_allow_match(a, n, "api.example.com", 0, 22, &pin, &why) && strstr(why, "port"),
	   "the name on another port: refused, the port named as the reason");
	ok(!run_allow_match(a, n, "evil.example.com", 0, 443, &pin, &why) && strstr(why, "not on the allow-list"),
	   "another name of the domain: refused");
	ok(!run_allow_match(a, n, "api.example.com.evil.test", 0, 443, &pin, &why), "a name that merely starts alike");
	ok(run_allow_match(a, n, "x.y.pinfold.test", 0, 8443, &pin, &why), "the wildcard covers names below it");
	ok(!run_allow_match(a, n, "pinfold.test", 0, 8443, &pin, &why), "the wildcard does not cover the domain itself");
	ok(!run_allow_match(a, n, "xpinfold.test", 0, 8443, &pin, &why), "nor a name ending alike");
	ok(!run_allow_match(a, n, "x.pinfold.test", 0, 443, &pin, &why), "the wildcard's port only");
	ok(run_allow_match(a, n, "pinned.test", 0, 9000, &pin, &why) && pin && pin->ss_family == AF_INET,
	   "the pinned name gives its address");
	ok(run_allow_match(a, n, "::1", 1, 8080, &pin, &why), "the IPv6 literal");
	ok(!run_allow_match(a, n, "10.1.2.4", 1, 443, &pin, &why), "another IPv4 literal: refused");
	{
		struct sockaddr_in s = { .sin_family = AF_INET };

		inet_pton(AF_INET, "10.1.2.3", &s.sin_addr);
		ok(run_allow_addr(a, n, (struct sockaddr *)&s, 443), "an explicitly allowed private address");
		inet_pton(AF_INET, "10.1.2.4", &s.sin_addr);
		ok(!run_allow_addr(a, n, (struct sockaddr *)&s, 443), "another private address is not");
	}
	for (size_t i = 0; i < n; i++)
		run_allow_release(&a[i]);

	{
		static const char *const bad[] = { "", ":443", "a.example:0", "a.example:65536", "a.example:x",
						   "a.example:443:1", "::1", "*.com", "*", "*.1.2.3.4", "a.example=nope",
						   "10.0.0.1=10.0.0.2", "caf\xc3\xa9.example", "a.example:+443",
						   "a.example:0443", "[::1]x", NULL };

		for (const char *const *b = bad; *b; b++) {
			struct run_allow x;
			struct pf_err e2 = { 0 };
			int r = run_allow_parse(&x, *b, &e2);

			ok(r == -PF_EUSAGE && strstr(e2.msg, "--allow-host"), "pattern '%s' is refused: %s", *b, e2.msg);
			if (!r)
				run_allow_release(&x);
		}
	}
}

static int special(const char *addr)
{
	struct sockaddr_storage ss = { 0 };

	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	return run_addr_special((struct sockaddr *)&ss);
}

static void test_addresses(void)
{
	static const char *const inner[] = { "127.0.0.1", "127.9.9.9", "10.0.0.1", "172.16.0.1", "172.31.255.255",
					     "192.168.1.1", "169.254.169.254", "0.0.0.0", "100.64.0.1", "224.0.0.1",
					     "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "fd12::1",
					     "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "ff02::1", NULL };
	static const char *const outer[] = { "1.1.1.1", "8.8.8.8", "172.32.0.1", "192.169.0.1", "100.128.0.1",
					     "2606:4700::1111", "::ffff:1.1.1.1", NULL };

	for (const char *const *a = inner; *a; a++)
		ok(special(*a), "%s is loopback, private, link-local or otherwise not public", *a);
	for (const char *const *a = outer; *a; a++)
		ok(!special(*a), "%s is public", *a);
}

static void test_parser(void)
{
	struct run_req r;
	const char *why;
	char *big;

	is_int(parse("CONNECT api.example.com:443 HTTP/1.1\r\nHost: api.example.com:443\r\n\r\n", &r, &why), 1,
	       "CONNECT host:port");
	ok(r.connect && !strcmp(r.host, "api.example.com") && r.port == 443, "its host and port");
	is_int(parse("CONNECT API.Example.com.:443 HTTP/1.1\r\n\r\n", &r, &why), 1, "CONNECT: the name normalised");
	ok(!strcmp(r.host, "api.example.com"), "to lower case, without its trailing dot");
	is_int(parse("CONNECT api.example.com:443 HTTP/1.1\r\n", &r, &why), 0, "a head not finished yet: more to read");
	is_int(parse("CONNECT api.example.com:443 HTTP/1.1\n\n", &r, &why), 400, "no CRLF: malformed");
	is_int(parse("CONNECT api.example.com:443 HTTP/1.1\r\nX: a\nb\r\n\r\n", &r, &why), 400, "a bare LF in a header");
	is_int(parse("CONNECT api.example.com:443 HTTP/1.1\r\nX: a\rb\r\n\r\n", &r, &why), 400, "a bare CR in a header");
	{
		static const char req[] = "CONNECT api.example.com:443 HTTP/1.1\r\nX: a\0b\r\n\r\n";

		is_int(run_proxy_parse(req, sizeof req - 1, &r, &why), 400, "a NUL in a header");
	}
	is_int(parse("CONNECT api.example.com HTTP/1.1\r\n\r\n", &r, &why), 400, "CONNECT without a port");
	is_int(parse("CONNECT api.example.com:0 HTTP/1.1\r\n\r\n", &r, &why), 400, "port 0");
	is_int(parse("CONNECT api.example.com:65536 HTTP/1.1\r\n\r\n", &r, &why), 400, "port 65536");
	is_int(parse("CONNECT api.example.com:-1 HTTP/1.1\r\n\r\n", &r, &why), 400, "port -1");
	is_int(parse("CONNECT api.example.com:4294967739 HTTP/1.1\r\n\r\n", &r, &why), 400,
	       "a port that wraps around to 443 in 32 bits");
	is_int(parse("CONNECT api.example.com:443x HTTP/1.1\r\n\r\n", &r, &why), 400, "a port with junk after it");
	is_int(parse("CONNECT user:pw@api.example.com:443 HTTP/1.1\r\n\r\n", &r, &why), 400, "CONNECT with userinfo");
	ok(strstr(why, "user information") != NULL, "named as such");
	is_int(parse("GET http://user@evil.test@api.example.com/ HTTP/1.1\r\n\r\n", &r, &why), 400,
	       "userinfo in an absolute URL");
	is_int(parse("CONNECT 127.0.0.1:443 HTTP/1.1\r\n\r\n", &r, &why), 1, "CONNECT to an IPv4 literal parses");
	ok(r.is_ip && !strcmp(r.host, "127.0.0.1"), "as an address (the allow-list decides)");
	is_int(parse("CONNECT 2130706433:443 HTTP/1.1\r\n\r\n", &r, &why), 400, "CONNECT to a decimal address");
	is_int(parse("CONNECT 0x7f000001:443 HTTP/1.1\r\n\r\n", &r, &why), 400, "CONNECT to a hexadecimal address");
	is_int(parse("CONNECT [::1]:443 HTTP/1.1\r\n\r\n", &r, &why), 1, "CONNECT to an IPv6 literal");
	ok(r.is_ip && !strcmp(r.host, "::1") && r.port == 443, "its address and port");
	is_int(parse("CONNECT ::1:443 HTTP/1.1\r\n\r\n", &r, &why), 400, "an IPv6 literal without brackets");
	is_int(parse("CONNECT [::1]443 HTTP/1.1\r\n\r\n", &r, &why), 400, "an IPv6 literal without ':' before its port");
	is_int(parse("CONNECT [::ffff:127.0.0.1]:443 HTTP/1.1\r\n\r\n", &r, &why), 1, "an IPv4-mapped IPv6 literal");
	is_int(parse("GET http://api.example.com/v1/x?y=1 HTTP/1.1\r\nHost: api.example.com\r\n\r\nBODY", &r, &why), 1,
	       "an absolute http:// URL");
	ok(!r.connect && r.port == 80 && !strcmp(r.host, "api.example.com") && r.path_len == 9 &&
	   !strncmp("GET http://api.example.com/v1/x?y=1 HTTP/1.1\r\nHost: api.example.com\r\n\r\nBODY" + r.path_off,
		    "/v1/x?y=1", 9), "its host, default port 80 and origin-form path");
	ok(r.head_len == strlen("GET http://api.example.com/v1/x?y=1 HTTP/1.1\r\nHost: api.example.com\r\n\r\n"),
	   "the head ends before the body");
	is_int(parse("GET http://api.example.com:8080 HTTP/1.1\r\n\r\n", &r, &why), 1, "a URL without a path");
	ok(r.port == 8080 && r.path_len == 0, "port 8080, path '/'");
	is_int(parse("GET https://api.example.com/ HTTP/1.1\r\n\r\n", &r, &why), 400, "an https:// absolute URL");
	is_int(parse("GET /index.html HTTP/1.1\r\nHost: api.example.com\r\n\r\n", &r, &why), 405,
	       "an origin-form request (not a proxy request)");
	is_int(parse("GET ftp://api.example.com/ HTTP/1.1\r\n\r\n", &r, &why), 405, "another scheme");
	is_int(parse("GET http://api.example.com/ HTTP/2.0\r\n\r\n", &r, &why), 400, "not HTTP/1.x");
	is_int(parse("GET  http://api.example.com/ HTTP/1.1\r\n\r\n", &r, &why), 400, "two spaces");
	is_int(parse("GET http://api.example.com/ HTTP/1.1 x\r\n\r\n", &r, &why), 400, "a fourth word");
	is_int(parse("get http://api.example.com/ HTTP/1.1\r\n\r\n", &r, &why), 400, "a lower-case method");
	is_int(parse("GET http://api.example.com\\@evil.test/ HTTP/1.1\r\n\r\n", &r, &why), 400,
	       "a backslash in the authority");
	is_int(parse("GET http://%61pi.example.com/ HTTP/1.1\r\n\r\n", &r, &why), 400, "percent-encoding in the host");
	is_int(parse("\r\n\r\n", &r, &why), 400, "an empty request line");
	big = malloc(RUN_PROXY_HDR_MAX + 100);
	memcpy(big, "CONNECT a.example:443 HTTP/1.1\r\nX: ", 35);
	memset(big + 35, 'a', RUN_PROXY_HDR_MAX + 100 - 35);
	is_int(run_proxy_parse(big, RUN_PROXY_HDR_MAX, &r, &why), 431, "oversized headers without an end: refused");
	memcpy(big + RUN_PROXY_HDR_MAX, "\r\n\r\n", 4);
	is_int(run_proxy_parse(big, RUN_PROXY_HDR_MAX + 4, &r, &why), 431, "oversized headers with an end: refused");
	free(big);
}

/* A loopback server: each connection gets "hello <first line it received>\n", then the server closes. */
struct server {
	int fd;
	unsigned port;
	pthread_t t;
};

static void *serve_hello(void *arg)
{
	struct server *s = arg;

	for (;;) {
		int c = accept(s->fd, NULL, NULL);
		char buf[4096], out[4200];
		ssize_t n, got = 0;

		if (c < 0)
			return NULL;
		while (got < (ssize_t)sizeof buf - 1 && (n = read(c, buf + got, sizeof buf - 1 - (size_t)got)) > 0) {
			got += n;
			buf[got] = '\0';
			if (strstr(buf, "\r\n\r\n") || strchr(buf, '\n'))
				break;
		}
		buf[got > 0 ? got : 0] = '\0';
		buf[strcspn(buf, "\r\n")] = '\0';
		n = snprintf(out, sizeof out, "hello %s\n", buf);
		(void)!write(c, out, (size_t)n);
		close(c);
	}
}

static int listen_lo(unsigned *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = { htonl(INADDR_LOOPBACK) } };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 16) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len))
		return -1;
	*port = ntohs(sa.sin_port);
	return fd;
}

/* Send req to the proxy on port, read everything back until it closes. */
static char *ask(unsigned port, const char *req)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr = { htonl(INADDR_LOOPBACK) } };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct pf_buf b = PF_BUF_INIT;
	char buf[4096];
	ssize_t n;

	if (connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
		close(fd);
		return pf_xstrdup("(no connection)");
	}
	(void)!write(fd, req, strlen(req));
	while ((n = read(fd, buf, sizeof buf)) > 0)
		pf_buf_add(&b, buf, (size_t)n);
	close(fd);
	pf_buf_addc(&b, '\0');
	return b.p;
}

static void test_proxy(void)
{
	struct server up = { 0 };
	struct run_allow a[4];
	struct run_proxy *px = NULL;
	struct pf_err e = { 0 };
	char tmpl[] = "/tmp/pinfold-net-XXXXXX", *dir = mkdtemp(tmpl), *log, pat[128], req[512], *got;
	unsigned pport;
	int lfd;
	struct pf_buf text = PF_BUF_INIT;

	up.fd = listen_lo(&up.port);
	pthread_create(&up.t, NULL, serve_hello, &up);
	lfd = listen_lo(&pport);
	log = pf_path_join(dir, "net.log");
	snprintf(pat, sizeof pat, "pinned.test:%u=127.0.0.1", up.port);
	run_allow_parse(&a[0], pat, &e);
	snprintf(pat, sizeof pat, "localhost:%u", up.port);
	run_allow_parse(&a[1], pat, &e);
	snprintf(pat, sizeof pat, "pinned.test:%u=127.0.0.1", up.port + 1 > 65535 ? 1 : up.port + 1);
	run_allow_parse(&a[2], pat, &e);
	ok(run_proxy_serve(&px, lfd, a, 3, log, &e) == 0, "the proxy serves on a loopback listener");

	snprintf(req, sizeof req, "CONNECT pinned.test:%u HTTP/1.1\r\n\r\nPING\n", up.port);
	got = ask(pport, req);
	ok(!strncmp(got, "HTTP/1.1 200 ", 13) && strstr(got, "\r\n\r\nhello PING\n"),
	   "CONNECT to the pinned name reaches the server, bytes sent with the request relayed");
	free(got);
	snprintf(req, sizeof req, "GET http://pinned.test:%u/x?y HTTP/1.1\r\nHost: pinned.test:%u\r\n"
		 "Proxy-Authorization: secret\r\n\r\n", up.port, up.port);
	got = ask(pport, req);
	ok(!strcmp(got, "hello GET /x?y HTTP/1.1\n"), "plain HTTP: the server gets the origin-form request line");
	free(got);
	snprintf(req, sizeof req, "GET http://pinned.test:%u/ HTTP/1.1\r\nHost: other.test:%u\r\n\r\n", up.port,
		 up.port);
	got = ask(pport, req);
	ok(!strncmp(got, "HTTP/1.1 403 ", 13) && strstr(got, "Host header"), "a Host header naming another host: 403");
	free(got);
	snprintf(req, sizeof req, "GET http://pinned.test:%u/ HTTP/1.1\r\nHost: pinned.test:%u\r\nHost: other.test\r\n\r\n",
		 up.port, up.port);
	got = ask(pport, req);
	ok(!strncmp(got, "HTTP/1.1 403 ", 13) && strstr(got, "more than one Host header"), "two Host headers: 403");
	free(got);
	snprintf(req, sizeof req, "CONNECT localhost:%u HTTP/1.1\r\n\r\n", up.port);
	got = ask(pport, req);
	ok(!strncmp(got, "HTTP/1.1 403 ", 13) && strstr(got, "loopback, private"),
	   "an allowed name that resolves to 127.0.0.1 is refused (not allowed explicitly)");
	free(got);
	snprintf(req, sizeof req, "CONNECT 127.0.0.1:%u HTTP/1.1\r\n\r\n", up.port);
	got = ask(pport, req);
	ok(!strncmp(got, "HTTP/1.1 403 ", 13) && strstr(got, "not on the allow-list"),
	   "CONNECT to an IP literal not on the list: 403");
	free(got);
	got = ask(pport, "CONNECT pinned.test:22 HTTP/1.1\r\n\r\n");
	ok(!strncmp(got, "HTTP/1.1 403 ", 13) && strstr(got, "port not allowed"), "an allowed name on another port: 403");
	free(got);
	got = ask(pport, "CONNECT evil.test:443 HTTP/1.1\r\n\r\n");
	ok(!strncmp(got, "HTTP/1.1 403 ", 13) && strstr(got, "evil.test:443: host not on the allow-list"),
	   "a name not on the list: 403 naming it");
	free(got);
	got = ask(pport, "CONNECT evil.test:443 HTTP/1.1\n\n");
	ok(!strncmp(got, "HTTP/1.1 400 ", 13), "no CRLF: 400");
	free(got);
	got = ask(pport, "GET / HTTP/1.1\r\n\r\n");
	ok(!strncmp(got, "HTTP/1.1 405 ", 13), "not a proxy request: 405");
	free(got);
	snprintf(req, sizeof req, "CONNECT pinned.test:%u HTTP/1.1\r\n\r\n", up.port + 1 > 65535 ? 1 : up.port + 1);
	got = ask(pport, req);
	ok(!strncmp(got, "HTTP/1.1 502 ", 13), "an allowed host that refuses the connection: 502");
	free(got);
	run_proxy_stop(px);
	px = NULL;
	ok(pf_read_file(log, 1 << 20, &text, &e) == 0, "the log");
	pf_buf_addc(&text, '\0');
	ok(strstr(text.p, " allowed CONNECT pinned.test:") && strstr(text.p, " 127.0.0.1\n"), "logs the allowed CONNECT with its address");
	ok(strstr(text.p, " refused CONNECT evil.test:443: host not on the allow-list\n") != NULL, "logs the refusal with its reason");
	ok(strstr(text.p, " refused CONNECT localhost:") && strstr(text.p, "loopback"), "logs the private address refusal");
	ok(strstr(text.p, " refused - \"CONNECT evil.test:443 HTTP/1.1\": a line not ending in CRLF\n") != NULL,
	   "logs a malformed request with its first line and the reason");
	pf_buf_release(&text);
	{
		/* with 127.0.0.1 allowed explicitly, the name resolving to it passes */
		snprintf(pat, sizeof pat, "127.0.0.1:%u", up.port);
		run_allow_parse(&a[3], pat, &e);
		lfd = listen_lo(&pport);
		ok(run_proxy_serve(&px, lfd, a, 4, NULL, &e) == 0, "the proxy, 127.0.0.1 allowed explicitly");
		snprintf(req, sizeof req, "CONNECT localhost:%u HTTP/1.1\r\n\r\nPONG\n", up.port);
		got = ask(pport, req);
		ok(!strncmp(got, "HTTP/1.1 200 ", 13) && strstr(got, "hello PONG"),
		   "an allowed name resolving to an explicitly allowed address works");
		free(got);
		run_proxy_stop(px);
	}
	shutdown(up.fd, SHUT_RDWR);
	close(up.fd);
	pthread_join(up.t, NULL);
	for (int i = 0; i < 4; i++)
		run_allow_release(&a[i]);
	pf_rm_rf(dir);
	free(log);
}

int main(void)
{
	test_names();
	test_patterns();
	test_addresses();
	test_parser();
	test_proxy();
	return done_testing();
}
