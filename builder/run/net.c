/* SPDX-License-Identifier: MIT */
/* The allow-list: host names normalised, patterns parsed and matched, addresses classified, requests parsed. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "run/net.h"

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

int run_host_normalise(const char *in, size_t n, char out[RUN_NAME_MAX + 1], int *is_ip, struct sockaddr_storage *ip,
		       const char **why)
{
	char buf[64];
	size_t label = 0, last = 0;

	*is_ip = 0;
	memset(ip, 0, sizeof *ip);
	if (n && in[0] == '[') {
		/* An IPv6 literal: [addr]. */
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ip;

		if (n < 3 || in[n - 1] != ']' || n - 2 >= sizeof buf) {
			*why = "a malformed IPv6 literal";
			return -1;
		}
		memcpy(buf, in + 1, n - 2);
		buf[n - 2] = '\0';
		if (inet_pton(AF_INET6, buf, &s6->sin6_addr) != 1) {
			*why = "a malformed IPv6 literal";
			return -1;
		}
		s6->sin6_family = AF_INET6;
		inet_ntop(AF_INET6, &s6->sin6_addr, out, RUN_NAME_MAX + 1);
		*is_ip = 1;
		return 0;
	}
	if (memchr(in, ':', n)) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ip;

		if (n >= sizeof buf) {
			*why = "a malformed IPv6 literal";
			return -1;
		}
		memcpy(buf, in, n);
		buf[n] = '\0';
		if (inet_pton(AF_INET6, buf, &s6->sin6_addr) != 1) {
			*why = "a malformed IPv6 literal";
			return -1;
		}
		s6->sin6_family = AF_INET6;
		inet_ntop(AF_INET6, &s6->sin6_addr, out, RUN_NAME_MAX + 1);
		*is_ip = 1;
		return 0;
	}
	if (n && in[n - 1] == '.')
		n--;	/* the root's trailing dot */
	if (!n) {
		*why = "an empty name";
		return -1;
	}
	if (n > RUN_NAME_MAX) {
		*why = "a name longer than 253 characters";
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c >= 0x80) {
			*why = "a non-ASCII name (give its IDNA 'xn--' form)";
			return -1;
		}
		if (c == '.') {
			if (!label || in[i - 1] == '-') {
				*why = "an empty label or one ending in '-'";
				return -1;
			}
			label = 0;
			last = i + 1;
			out[i] = '.';
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
			*why = "a character other than letters, digits, '-' and '.'";
			return -1;
		}
		if (c == '-' && !label) {
			*why = "a label starting with '-'";
			return -1;
		}
		if (++label > 63) {
			*why = "a label longer than 63 characters";
			return -1;
		}
		out[i] = (char)lower(c);
	}
	out[n] = '\0';
	if (in[n - 1] == '-' || in[n - 1] == '.') {
		*why = in[n - 1] == '-' ? "a label ending in '-'" : "an empty label";
		return -1;
	}
	/* A numeric last label is no top-level domain: it is an address in some form a resolver would accept. */
	if (all_digits(in + last, n - last) || (n - last > 1 && in[last] == '0' && lower(in[last + 1]) == 'x')) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ip;
		int dots = 0, ok = 1;

		for (size_t i = 0, start = 0; i <= n && ok; i++)
			if (i == n || in[i] == '.') {
				/* dotted quad only: four decimal parts, no leading zeros (octal to some resolvers) */
				ok = all_digits(in + start, i - start) && i - start <= 3 &&
				     !(i - start > 1 && in[start] == '0');
				dots += i < n;
				start = i + 1;
			}
		if (!ok || dots != 3 || inet_pton(AF_INET, out, &s4->sin_addr) != 1) {
			*why = "a numeric name that is not a dotted-quad IPv4 address";
			return -1;
		}
		s4->sin_family = AF_INET;
		*is_ip = 1;
	}
	return 0;
}

void run_allow_release(struct run_allow *a)
{
	free(a->given);
	a->given = NULL;
}

static int parse_port(const char *s, size_t n, unsigned *port)
{
	unsigned long v = 0;

	if (!n || n > 5 || !all_digits(s, n) || s[0] == '0')
		return -1;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned long)(s[i] - '0');
	if (v < 1 || v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

/* ADDRESS of NAME=ADDRESS: an IPv4 or IPv6 literal (brackets allowed). */
static int parse_addr(const char *s, struct sockaddr_storage *ss)
{
	char buf[64];
	size_t n = strlen(s);

	memset(ss, 0, sizeof *ss);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (!n || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		ss->ss_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		ss->ss_family = AF_INET6;
		return 0;
	}
	return -1;
}

int run_allow_parse(struct run_allow *a, const char *pattern, struct pf_err *e)
{
	const char *eq = strchr(pattern, '='), *host = pattern, *why = NULL, *colon;
	size_t n = eq ? (size_t)(eq - pattern) : strlen(pattern);

	memset(a, 0, sizeof *a);
	if (eq && parse_addr(eq + 1, &a->pin))
		return pf_error(e, PF_EUSAGE, "--allow-host '%s': '%s' is not an IPv4 or IPv6 address", pattern,
				eq + 1);
	a->pinned = eq != NULL;
	/* the port: after "]" for an IPv6 literal, else after the only ':' */
	if (n && host[0] == '[') {
		const char *close = memchr(host, ']', n);

		colon = close && (size_t)(close - host) + 1 < n ? close + 1 : NULL;
		if (!close || (colon && *colon != ':'))
			return pf_error(e, PF_EUSAGE, "--allow-host '%s': a malformed IPv6 literal", pattern);
	} else {
		colon = memchr(host, ':', n);
		if (colon && memchr(colon + 1, ':', n - (size_t)(colon + 1 - host)))
			return pf_error(e, PF_EUSAGE, "--allow-host '%s': write an IPv6 address in brackets, "
					"[ADDRESS]:PORT", pattern);
	}
	if (colon) {
		if (parse_port(colon + 1, n - (size_t)(colon + 1 - host), &a->port))
			return pf_error(e, PF_EUSAGE, "--allow-host '%s': the port must be a number from 1 to 65535",
					pattern);
		n = (size_t)(colon - host);
	}
	if (n >= 2 && host[0] == '*' && host[1] == '.') {
		a->wildcard = 1;
		host += 2;
		n -= 2;
	}
	if (run_host_normalise(host, n, a->name, &a->is_ip, &a->ip, &why))
		return pf_error(e, PF_EUSAGE, "--allow-host '%s': %s", pattern, why);
	if (a->wildcard && (a->is_ip || !strchr(a->name, '.')))
		return pf_error(e, PF_EUSAGE, "--allow-host '%s': a wildcard needs a domain of at least two labels "
				"('*.example.com')", pattern);
	if (a->is_ip && a->pinned)
		return pf_error(e, PF_EUSAGE, "--allow-host '%s': an address cannot be pinned to another address",
				pattern);
	a->given = pf_xstrdup(pattern);
	return 0;
}

static int port_ok(const struct run_allow *a, unsigned port)
{
	return a->port ? a->port == port : port == 80 || port == 443;
}

static int name_ok(const struct run_allow *a, const char *host, int is_ip)
{
	size_t hn = strlen(host), sn = strlen(a->name);

	if (a->is_ip != is_ip)
		return 0;
	if (!a->wildcard)
		return !strcmp(a->name, host);
	return hn > sn + 1 && host[hn - sn - 1] == '.' && !strcmp(host + hn - sn, a->name);
}

int run_allow_match(const struct run_allow *list, size_t n, const char *host, int is_ip, unsigned port,
		    const struct sockaddr_storage **pin, const char **why)
{
	int named = 0;

	*pin = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!name_ok(&list[i], host, is_ip))
			continue;
		named = 1;
		if (!port_ok(&list[i], port))
			continue;
		if (list[i].pinned)
			*pin = &list[i].pin;
		return 1;
	}
	*why = named ? "port not allowed for this host" : "host not on the allow-list";
	return 0;
}

static int same_addr(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	if (a->ss_family != b->sa_family)
		return 0;
	if (b->sa_family == AF_INET)
		return !memcmp(&((const struct sockaddr_in *)a)->sin_addr, &((const struct sockaddr_in *)b)->sin_addr,
			       sizeof(struct in_addr));
	return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr, &((const struct sockaddr_in6 *)b)->sin6_addr,
		       sizeof(struct in6_addr));
}

int run_allow_addr(const struct run_allow *list, size_t n, const struct sockaddr *addr, unsigned port)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].is_ip && same_addr(&list[i].ip, addr) && port_ok(&list[i], port))
			return 1;
	return 0;
}

static int v4_special(uint32_t a)
{
	return (a >> 24) == 0 || (a >> 24) == 10 || (a >> 24) == 127 || (a >> 16) == 0xA9FE /* 169.254/16 */ ||
	       (a >> 20) == 0xAC1 /* 172.16/12 */ || (a >> 16) == 0xC0A8 /* 192.168/16 */ ||
	       (a >> 22) == 0x191 /* 100.64/10 */ || (a >> 28) >= 0xE /* multicast, reserved, broadcast */ ||
	       (a >> 8) == 0xC00000 /* 192.0.0/24 */ || (a >> 17) == 0x6309 /* 198.18/15 */;
}

int run_addr_special(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return v4_special(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
	if (sa->sa_family == AF_INET6) {
		const unsigned char *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 };
		int zero = 1;

		if (!memcmp(b, mapped, 12) || !memcmp(b, nat64, 12)) {
			uint32_t a = (uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15];

			return v4_special(a);
		}
		for (int i = 0; i < 15; i++)
			zero &= b[i] == 0;
		return zero /* :: and ::1 */ || b[0] == 0xff /* multicast */ || (b[0] & 0xfe) == 0xfc /* ULA */ ||
		       (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) /* link-local */ ||
		       (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) /* site-local */ ||
		       (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) /* documentation */;
	}
	return 1;
}

int run_parse_authority(const char *s, size_t n, unsigned default_port, struct run_req *r, const char **why)
{
	const char *colon = NULL;

	memset(r->host, 0, sizeof r->host);

	if (memchr(s, '@', n)) {
		*why = "user information in the address";
		return -1;
	}
	if (n && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (!close) {
			*why = "a malformed IPv6 literal";
			return -1;
		}
		if ((size_t)(close - s) + 1 < n) {
			if (close[1] != ':') {
				*why = "a malformed IPv6 literal";
				return -1;
			}
			colon = close + 1;
		}
	} else {
		colon = memchr(s, ':', n);
	}
	if (colon) {
		if (parse_port(colon + 1, n - (size_t)(colon + 1 - s), &r->port)) {
			*why = "a port that is not a number from 1 to 65535";
			return -1;
		}
		n = (size_t)(colon - s);
	} else if (default_port) {
		r->port = default_port;
	} else {
		*why = "CONNECT without a port";
		return -1;
	}
	return run_host_normalise(s, n, r->host, &r->is_ip, &r->ip, why);
}

static int ieq(const char *a, size_t n, const char *b)
{
	if (strlen(b) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

int run_proxy_parse(const char *buf, size_t len, struct run_req *r, const char **why)
{
	const char *end = NULL, *sp1, *sp2, *eol;
	size_t head;

	memset(r, 0, sizeof *r);
	/* Every line ends in CRLF; nothing else below 0x20 but TAB; the head ends at an empty line. */
	for (size_t i = 0; i < len && !end; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\n') {
			if (!i || buf[i - 1] != '\r') {
				*why = "a line not ending in CRLF";
				return 400;
			}
			if (i >= 3 && buf[i - 2] == '\n' && buf[i - 3] == '\r')
				end = buf + i + 1;
		} else if (c == '\r') {
			if (i + 1 < len && buf[i + 1] != '\n') {
				*why = "a CR not followed by LF";
				return 400;
			}
		} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
			*why = "a control character in the request";
			return 400;
		}
	}
	if (!end) {
		if (len >= RUN_PROXY_HDR_MAX) {
			*why = "request headers too large";
			return 431;
		}
		return 0;
	}
	head = (size_t)(end - buf);
	if (head > RUN_PROXY_HDR_MAX) {
		*why = "request headers too large";
		return 431;
	}
	r->head_len = head;
	eol = memchr(buf, '\r', head);
	sp1 = memchr(buf, ' ', (size_t)(eol - buf));
	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
	if (!sp1 || !sp2 || sp1 == buf || sp2 == sp1 + 1 || memchr(sp2 + 1, ' ', (size_t)(eol - sp2 - 1)) ||
	    (size_t)(sp1 - buf) >= sizeof r->method) {
		*why = "a malformed request line";
		return 400;
	}
	if (!(ieq(sp2 + 1, (size_t)(eol - sp2 - 1), "HTTP/1.1") || ieq(sp2 + 1, (size_t)(eol - sp2 - 1), "HTTP/1.0"))) {
		*why = "not an HTTP/1.x request";
		return 400;
	}
	for (const char *c = buf; c < sp1; c++)
		if (!((*c >= 'A' && *c <= 'Z') || *c == '-')) {
			*why = "a malformed method";
			return 400;
		}
	memcpy(r->method, buf, (size_t)(sp1 - buf));
	r->method[sp1 - buf] = '\0';
	r->ver_off = (size_t)(sp2 - buf);
	r->target_off = (size_t)(sp1 + 1 - buf);
	r->target_len = (size_t)(sp2 - sp1 - 1);
	if (!strcmp(r->method, "CONNECT")) {
		r->connect = 1;
		if (run_parse_authority(sp1 + 1, r->target_len, 0, r, why))
			return 400;
		return 1;
	}
	{
		const char *t = sp1 + 1, *auth, *path;
		size_t tn = r->target_len;

		if (tn >= 8 && ieq(t, 8, "https://")) {
			*why = "an https:// URL (use CONNECT: set HTTPS_PROXY)";
			return 400;
		}
		if (tn < 7 || !ieq(t, 7, "http://")) {
			*why = "not a proxy request (CONNECT, or an absolute http:// URL)";
			return 405;
		}
		auth = t + 7;
		path = auth;
		while (path < t + tn && *path != '/' && *path != '?' && *path != '#')
			path++;
		if (run_parse_authority(auth, (size_t)(path - auth), 80, r, why))
			return 400;
		if (path < t + tn && *path != '/') {
			*why = "a URL whose path does not start with '/'";
			return 400;
		}
		r->path_off = (size_t)(path - buf);
		r->path_len = (size_t)(t + tn - path);
	}
	return 1;
}
