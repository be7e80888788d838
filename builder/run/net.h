/* SPDX-License-Identifier: MIT */
/* The sandbox's network allow-list: host patterns, their matching, the proxy's request parser and the proxy. */
#ifndef PF_RUN_NET_H
#define PF_RUN_NET_H

#include <stddef.h>
#include <sys/socket.h>

#include "core/error.h"

/* Inside the sandbox the proxy listens on 127.0.0.1:RUN_PROXY_PORT (docs/network.md). */
#define RUN_PROXY_PORT		3128
#define RUN_NAME_MAX		253	/* a DNS name without its trailing dot */
#define RUN_PROXY_HDR_MAX	16384	/* a request's line and headers */
#define RUN_PROXY_CONNS		64	/* connections at once; more wait in the listen queue */
#define RUN_PROXY_BUF		262144	/* per direction and connection */
#define RUN_PROXY_HDR_MS	30000	/* to send the request's headers */
#define RUN_PROXY_CONNECT_MS	10000	/* to connect to the upstream host */
#define RUN_PROXY_IDLE_MS	600000	/* a relayed connection with no traffic either way is closed */

/*
 * One --allow-host entry, PATTERN[:PORT][=ADDRESS]: a normalised name
 * ("api.example.com"), a wildcard ("*.example.com": names below it, not
 * itself) or an IP literal (which also allows that address when an allowed
 * name resolves to it); port 0 means 80 and 443; ADDRESS pins the name to
 * that address (no resolution).
 */
struct run_allow {
	char name[RUN_NAME_MAX + 1];	/* normalised; an IPv6 literal without brackets */
	int wildcard;			/* name is the suffix after "*." */
	int is_ip;			/* name is an IP literal, ip holds it */
	unsigned port;			/* 0: 80 and 443 */
	struct sockaddr_storage ip;	/* when is_ip */
	struct sockaddr_storage pin;	/* when pinned: the address to connect to (port set per connection) */
	int pinned;
	char *given;			/* the pattern as given (owned) */
};

/*
 * Parse pattern into *a (release with run_allow_release). PF_EUSAGE naming
 * what is wrong: an empty or over-long label, a character outside letters,
 * digits and '-', a non-ASCII name (give its xn-- form), a bad port or address.
 */
int run_allow_parse(struct run_allow *a, const char *pattern, struct pf_err *e);
void run_allow_release(struct run_allow *a);

/*
 * Normalise a host name: ASCII letters lowered, one trailing dot dropped,
 * labels of letters, digits and '-' (not first or last) of at most 63
 * characters; an IPv4 literal in dotted-quad form, or an IPv6 literal
 * (brackets allowed), is kept as an address (*is_ip, *ip). Other numeric
 * forms that resolvers read as addresses ("127.1", "0x7f.1", "2130706433")
 * and non-ASCII names are refused. 0 or -1 with why set.
 */
int run_host_normalise(const char *in, size_t n, char out[RUN_NAME_MAX + 1], int *is_ip, struct sockaddr_storage *ip,
		       const char **why);

/* An address that is not public: loopback, private, link-local, ULA, CGNAT, unspecified, multicast, broadcast. */
int run_addr_special(const struct sockaddr *sa);

/*
 * The allow-list's verdict on host:port (host normalised). 1 allowed (*pin
 * set to the pinned address when an entry pins it, else NULL); 0 refused
 * (why: not on the list, or the port is not allowed for it).
 */
int run_allow_match(const struct run_allow *list, size_t n, const char *host, int is_ip, unsigned port,
		    const struct sockaddr_storage **pin, const char **why);
/* 1 when addr (a resolved, special address) is on the list as an IP literal for port. */
int run_allow_addr(const struct run_allow *list, size_t n, const struct sockaddr *addr, unsigned port);

/* A request the proxy understood (run_proxy_parse). */
struct run_req {
	int connect;			/* CONNECT host:port; else plain HTTP forwarding */
	char method[16];
	char host[RUN_NAME_MAX + 1];	/* normalised */
	int is_ip;
	struct sockaddr_storage ip;
	unsigned port;
	size_t head_len;		/* bytes of the request line and headers, final CRLF included */
	size_t target_off, target_len;	/* the request target in the buffer (plain HTTP) */
	size_t path_off, path_len;	/* its origin-form part ("/..."), path_len 0 for "/" */
	size_t ver_off;			/* " HTTP/1.x" in the buffer */
};

/*
 * Parse the start of a proxy request in buf[0..len). 1: a whole head, *r
 * filled; 0: not complete yet (under RUN_PROXY_HDR_MAX); otherwise the HTTP
 * status to refuse with (400 malformed, 405 other than CONNECT/absolute
 * http://, 431 head too big) and *why. Bare LF, NUL and control characters,
 * userinfo, a CONNECT without a port, a port outside 1-65535 and an https://
 * absolute URI are malformed.
 */
int run_proxy_parse(const char *buf, size_t len, struct run_req *r, const char **why);

/* host[:port] (a CONNECT target, a URL's authority, a Host header) into r->host/is_ip/ip/port; 0 or -1 with why. */
int run_parse_authority(const char *s, size_t n, unsigned default_port, struct run_req *r, const char **why);

/* The proxy of one run (proxy.c). */
struct run_proxy;

/*
 * Start the proxy for the sandbox whose pid 1 is init (its network
 * namespace): a child process joins that namespace (and the user namespace
 * that owns it), makes the listening socket on 127.0.0.1:RUN_PROXY_PORT
 * there, passes it back and exits; threads of pinfold accept on it, check
 * each request against list, resolve and connect on the host, and log one
 * line per request to log (appended; NULL: none). Negative on failure: the
 * caller must not start the command (fail closed).
 */
int run_proxy_start(struct run_proxy **out, pid_t init, const struct run_allow *list, size_t n, const char *log,
		    struct pf_err *e);
/* Stop accepting, close every connection, join every thread. */
void run_proxy_stop(struct run_proxy *px);

/*
 * The proxy on a listening socket made by the caller (tests, bench): the
 * same threads; run_proxy_stop() ends it.
 */
int run_proxy_serve(struct run_proxy **out, int listen_fd, const struct run_allow *list, size_t n, const char *log,
		    struct pf_err *e);

#endif
