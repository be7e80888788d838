/* SPDX-License-Identifier: MIT */
/* HTTP(S) mirrors through libcurl: parallel, size-capped, slow-drip and redirect bounded. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "fetch/fetch_int.h"

#define MAX_REDIRS 5L

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* When the process's first HTTP transfer started: the whole run's deadline counts from here. */
static long long run_start;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init(void)
{
	run_start = now_ms();
}

/* libcurl is opened (and curl_global_init run) on first use: curl_load.c. */
static int global_init(struct pf_err *e)
{
	int rc = fetch_curl_load(e);

	if (!rc)
		pthread_once(&init_once, init);
	return rc;
}

/*
 * The deadlines of one transfer, checked by libcurl's progress callback: by
 * t ms after start, min_rate * (t - grace) bytes must have arrived, and the
 * run's deadline must not have passed. why says which failed.
 */
struct pace {
	const struct fetch_deadlines *dl;
	long long start;
	int run_over;
	char why[160];
};

static void pace_start(struct pace *p, const struct fetch_deadlines *dl)
{
	p->dl = dl;
	p->start = now_ms();
	p->run_over = 0;
	p->why[0] = '\0';
}

/* 0 to go on, 1 to abort the transfer (why filled). */
static int pace_check(struct pace *p, curl_off_t got)
{
	long long now = now_ms(), t = now - p->start;

	if (now - run_start > (long long)p->dl->run * 1000) {
		p->run_over = 1;
		snprintf(p->why, sizeof p->why, "the deadline for all transfers of this run (%ld s, "
			 "PINFOLD_FETCH_DEADLINE) passed", p->dl->run);
		return 1;
	}
	if (t > (long long)p->dl->grace * 1000 &&
	    (double)got < (double)p->dl->min_rate * (double)(t - (long long)p->dl->grace * 1000) / 1000.0) {
		snprintf(p->why, sizeof p->why, "too slow: %lld bytes in %lld s, under the minimum average of %ld "
			 "bytes/s after %ld s (PINFOLD_MIN_RATE, PINFOLD_TRANSFER_GRACE)", (long long)got, t / 1000,
			 p->dl->min_rate, p->dl->grace);
		return 1;
	}
	return 0;
}

static int on_pace(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	(void)dltotal;
	(void)ultotal;
	(void)ulnow;
	return pace_check(ud, dlnow);
}

/* The progress callback, and a hard timeout at the latest moment the pace allows for size bytes. */
static void pace_setup(CURL *h, struct pace *p, uint64_t size)
{
	long long left = (long long)p->dl->run * 1000 - (now_ms() - run_start), cap = left;

	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_pace);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, p);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	if (size) {
		long long whole = ((long long)p->dl->grace + (long long)(size / (uint64_t)p->dl->min_rate) + 1) * 1000;

		if (whole < cap)
			cap = whole;
	}
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(cap > 1 ? cap : 1));
}

/* base + "/" + name with name percent-encoded (names may hold '+', '%', '#', '?'). */
static char *join_url(CURL *h, const char *base, const char *name)
{
	char *esc = curl_easy_escape(h, name, 0);
	size_t lb = strlen(base);
	char *url;

	if (!esc)
		pf_xmalloc((size_t)-1);
	url = pf_xasprintf("%s%s%s", base, lb && base[lb - 1] == '/' ? "" : "/", esc);
	curl_free(esc);
	return url;
}

/*
 * Options every request gets: only http/https, also across redirects, which
 * are bounded; TLS verification on; no Content-Encoding asked for, so the
 * bytes counted are the bytes hashed; timeouts from the run.
 */
static void setup(CURL *h, const char *url, long connect_timeout, long ls_time, long ls_limit)
{
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, MAX_REDIRS);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, connect_timeout);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, ls_time);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, ls_limit);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "pinfold");
}

static long response_code(CURL *h)
{
	long code = 0;

	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	return code;
}

enum xstate { X_WAIT, X_RUN, X_DONE };

struct xfer {
	struct fetch_run *r;
	struct fetch_item *it;
	const char *base;
	CURL *h;
	char *url;
	struct fetch_sink s;
	enum xstate state;
	int attempt, sink_open;
	long long not_before;
	struct pace pace;
	char err[CURL_ERROR_SIZE];
};

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;

	if (response_code(x->h) != 200)
		return 0;	/* an error page is not the artifact */
	if (fetch_sink_write(&x->s, p, n) < 0)
		return 0;	/* longer than the artifact: cut off here */
	fetch_run_bytes(x->r, (int64_t)n);
	return n;
}

static int start(struct xfer *x, CURLM *m)
{
	struct fetch_run *r = x->r;

	if (fetch_sink_open(&x->s, r, x->it->a))
		return -1;
	x->sink_open = 1;
	x->h = curl_easy_init();
	if (!x->h)
		pf_xmalloc((size_t)-1);
	setup(x->h, x->url, r->connect_timeout, r->low_speed_time, r->low_speed_limit);
	if (x->it->a->size)
		curl_easy_setopt(x->h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->it->a->size);
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->h, CURLOPT_PRIVATE, x);
	x->err[0] = '\0';
	curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, x->err);
	pace_start(&x->pace, &r->dl);
	pace_setup(x->h, &x->pace, x->it->a->size);
	x->state = X_RUN;
	x->attempt++;
	if (curl_multi_add_handle(m, x->h) != CURLM_OK)
		return pf_error(r->e, PF_EINTERNAL, "libcurl: cannot add a transfer");
	return 0;
}

/* Throw the attempt away; retry later or give up on this mirror. */
static void fail(struct xfer *x, int cls, int retry, const char *why)
{
	struct fetch_run *r = x->r;
	char *place = pf_xasprintf("mirror '%s'", x->base);

	fetch_run_bytes(r, -(int64_t)x->s.got);
	fetch_sink_abort(&x->s);
	x->sink_open = 0;
	if (retry && x->attempt <= r->retries) {
		x->state = X_WAIT;
		x->not_before = now_ms() + 500LL * x->attempt;
	} else {
		x->state = X_DONE;
		if (cls != PF_ENOTFOUND)
			pf_warn(r->e, "mirror '%s': '%s': %s, trying the next place", x->base, x->it->a->file, why);
		fetch_item_tried(x->it, cls, place, "%s", why);
	}
	free(place);
}

static void finish(struct xfer *x, CURLM *m, CURLcode res)
{
	struct fetch_run *r = x->r;
	long code = response_code(x->h);
	char why[512];
	int rc;

	curl_multi_remove_handle(m, x->h);
	/* the hard timeout is the same deadline, reached between two progress calls */
	if (res == CURLE_OPERATION_TIMEDOUT && !x->pace.why[0])
		pace_check(&x->pace, (curl_off_t)x->s.got);
	if (x->pace.run_over) {
		fail(x, PF_ENET, 0, x->pace.why);
		pf_error(r->e, PF_ENET, "artifact '%s': %s", x->it->a->file, x->pace.why);
	} else if ((res == CURLE_ABORTED_BY_CALLBACK || res == CURLE_OPERATION_TIMEDOUT) && x->pace.why[0]) {
		fail(x, PF_ENET, 1, x->pace.why);
	} else if (x->s.over || res == CURLE_FILESIZE_EXCEEDED) {
		snprintf(why, sizeof why, "body longer than the expected %llu bytes, cut off and refused",
			 (unsigned long long)x->it->a->size);
		fail(x, PF_EDIGEST, 0, why);
	} else if (res == CURLE_TOO_MANY_REDIRECTS) {
		snprintf(why, sizeof why, "more than %ld redirects", MAX_REDIRS);
		fail(x, PF_ENET, 0, why);
	} else if (res == CURLE_PEER_FAILED_VERIFICATION) {
		/* asking again will not make the certificate trustworthy */
		snprintf(why, sizeof why, "%s", x->err[0] ? x->err : curl_easy_strerror(res));
		fail(x, PF_ENET, 0, why);
	} else if (res == CURLE_UNSUPPORTED_PROTOCOL) {
		snprintf(why, sizeof why, "redirect to a protocol other than http/https refused");
		fail(x, PF_ENET, 0, why);
	} else if (code != 200 && (res == CURLE_OK || res == CURLE_WRITE_ERROR)) {
		snprintf(why, sizeof why, "HTTP %ld", code);
		fail(x, code == 404 || code == 410 ? PF_ENOTFOUND : PF_ENET, code >= 500 || code == 429, why);
	} else if (res == CURLE_OPERATION_TIMEDOUT && x->s.got) {
		snprintf(why, sizeof why, "too slow (under %ld bytes/s for %ld s) after %llu of %llu bytes",
			 r->low_speed_limit, r->low_speed_time, (unsigned long long)x->s.got,
			 (unsigned long long)x->it->a->size);
		fail(x, PF_ENET, 1, why);
	} else if (res != CURLE_OK) {
		snprintf(why, sizeof why, "%s", x->err[0] ? x->err : curl_easy_strerror(res));
		fail(x, PF_ENET, 1, why);
	} else if (x->s.got < x->it->a->size) {
		snprintf(why, sizeof why, "truncated body: %llu of %llu bytes", (unsigned long long)x->s.got,
			 (unsigned long long)x->it->a->size);
		fail(x, PF_ENET, 1, why);
	} else {
		x->sink_open = 0;
		rc = fetch_sink_commit(&x->s, why, sizeof why, r->e);
		if (rc == -PF_EDIGEST) {
			/* the temp file is gone already; fail() only books it */
			fail(x, PF_EDIGEST, 0, why);
		} else {
			x->state = X_DONE;
			if (!rc)
				fetch_item_done(r, x->it, fetch_sink_take(&x->s));
		}
	}
	curl_easy_cleanup(x->h);
	x->h = NULL;
}

void fetch_from_http(struct fetch_run *r, const char *base)
{
	struct xfer *xs = NULL;
	size_t nx = 0, left;
	CURLM *m;
	CURL *tmp;

	if (global_init(r->e))
		return;
	m = curl_multi_init();
	tmp = curl_easy_init();
	if (!m || !tmp)
		pf_xmalloc((size_t)-1);
	xs = pf_xcalloc(r->n ? r->n : 1, sizeof *xs);
	for (size_t i = 0; i < r->n; i++) {
		if (r->items[i].done)
			continue;
		xs[nx].r = r;
		xs[nx].it = &r->items[i];
		xs[nx].base = base;
		xs[nx].url = join_url(tmp, base, r->items[i].a->file);
		xs[nx].s.file.fd = -1;
		xs[nx].s.priv = -1;
		nx++;
	}
	left = nx;
	while (left && !r->e->code) {
		long long now = now_ms(), wait = 1000;
		int active = 0, running, msgs, finished;
		CURLMsg *msg;

		for (size_t i = 0; i < nx; i++)
			active += xs[i].state == X_RUN;
		for (size_t i = 0; i < nx && active < r->jobs; i++) {
			if (xs[i].state != X_WAIT)
				continue;
			if (xs[i].not_before > now) {
				if (xs[i].not_before - now < wait)
					wait = xs[i].not_before - now;
				continue;
			}
			if (start(&xs[i], m) < 0)
				goto out;
			active++;
		}
		if (curl_multi_perform(m, &running) != CURLM_OK) {
			pf_error(r->e, PF_EINTERNAL, "libcurl: transfer loop failed");
			goto out;
		}
		finished = 0;
		while ((msg = curl_multi_info_read(m, &msgs))) {
			struct xfer *x = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			finish(x, m, msg->data.result);
			finished++;
			if (x->state == X_DONE)
				left--;
		}
		/* a slot came free: start the next transfer now rather than after a poll */
		if (finished)
			continue;
		if (left && curl_multi_poll(m, NULL, 0, (int)(wait > 0 ? wait : 1), NULL) != CURLM_OK) {
			pf_error(r->e, PF_EINTERNAL, "libcurl: poll failed");
			goto out;
		}
	}
out:
	for (size_t i = 0; i < nx; i++) {
		if (xs[i].h) {
			curl_multi_remove_handle(m, xs[i].h);
			curl_easy_cleanup(xs[i].h);
		}
		if (xs[i].sink_open)
			fetch_sink_abort(&xs[i].s);
		free(xs[i].url);
	}
	free(xs);
	curl_easy_cleanup(tmp);
	curl_multi_cleanup(m);
}

struct small {
	CURL *h;
	struct pf_buf *out;
	size_t start, max;
	int over;
	struct pace pace;
};

static size_t on_small(char *p, size_t size, size_t nmemb, void *ud)
{
	struct small *s = ud;
	size_t n = size * nmemb;

	if (response_code(s->h) != 200)
		return 0;
	if (s->out->len - s->start + n > s->max) {
		s->over = 1;
		return 0;
	}
	pf_buf_add(s->out, p, n);
	return n;
}

static int small_http(const char *base, const char *name, size_t max, struct pf_buf *out, struct pf_err *e)
{
	struct small s = { NULL, out, out->len, max, 0, { 0 } };
	struct fetch_deadlines dl;
	char err[CURL_ERROR_SIZE] = "";
	char *url;
	CURLcode res;
	long code, ct, lst, lsl;
	int rc = 0;

	rc = global_init(e);
	if (rc)
		return rc;
	s.h = curl_easy_init();
	if (!s.h)
		pf_xmalloc((size_t)-1);
	url = join_url(s.h, base, name);
	fetch_env_limits(&ct, &lst, &lsl);
	setup(s.h, url, ct, lst, lsl);
	curl_easy_setopt(s.h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	curl_easy_setopt(s.h, CURLOPT_WRITEFUNCTION, on_small);
	curl_easy_setopt(s.h, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(s.h, CURLOPT_ERRORBUFFER, err);
	/* the size is not known before the body: the pace bounds it (and the cap, max) */
	fetch_env_deadlines(&dl);
	pace_start(&s.pace, &dl);
	pace_setup(s.h, &s.pace, 0);
	res = curl_easy_perform(s.h);
	code = response_code(s.h);
	if (res == CURLE_OPERATION_TIMEDOUT && !s.pace.why[0])
		pace_check(&s.pace, (curl_off_t)(out->len - s.start));
	if ((res == CURLE_ABORTED_BY_CALLBACK || res == CURLE_OPERATION_TIMEDOUT) && s.pace.why[0])
		rc = pf_error(e, PF_ENET, "'%s': %s", url, s.pace.why);
	else if (s.over || res == CURLE_FILESIZE_EXCEEDED)
		rc = pf_error(e, PF_ETOOBIG, "'%s': larger than %zu bytes, refused", url, max);
	else if (code != 200 && (res == CURLE_OK || res == CURLE_WRITE_ERROR))
		rc = pf_error(e, code == 404 || code == 410 ? PF_ENOTFOUND : PF_ENET, "'%s': HTTP %ld", url, code);
	else if (res != CURLE_OK)
		rc = pf_error(e, PF_ENET, "'%s': %s", url, err[0] ? err : curl_easy_strerror(res));
	if (rc)
		out->len = s.start;
	pf_buf_cstr(out);
	free(url);
	curl_easy_cleanup(s.h);
	return rc;
}

int fetch_small(const char *base, const char *name, size_t max, struct pf_buf *out, struct pf_err *e)
{
	char *path;
	int rc;

	if (!fetch_name_ok(name))
		return pf_error(e, PF_EUNSAFE, "'%s': unsafe file name", name);
	if (fetch_is_url(base))
		return small_http(base, name, max, out, e);
	path = pf_path_join(base, name);
	rc = pf_read_file(path, max, out, e);
	free(path);
	return rc;
}
