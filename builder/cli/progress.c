/* SPDX-License-Identifier: MIT */
/* The progress bar: bytes and packages done of total, redrawn in place on stderr. */
#include <stdio.h>
#include <time.h>

#include "cli/progress.h"

#define BAR_WIDTH 24

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cli_bar_init(struct cli_bar *b, struct cli *c, const char *what)
{
	b->on = cli_progress_on(c);
	b->what = what;
	b->last_ms = 0;
	b->drawn = 0;
}

static void human(uint64_t n, char *out, size_t len)
{
	if (n >= (uint64_t)1 << 30)
		snprintf(out, len, "%.1f GiB", (double)n / (double)((uint64_t)1 << 30));
	else if (n >= (uint64_t)1 << 20)
		snprintf(out, len, "%.1f MiB", (double)n / (double)((uint64_t)1 << 20));
	else if (n >= 1024)
		snprintf(out, len, "%.1f KiB", (double)n / 1024.0);
	else
		snprintf(out, len, "%llu B", (unsigned long long)n);
}

static int throttled(struct cli_bar *b, int final)
{
	long long t = now_ms();

	if (!final && b->drawn && t - b->last_ms < 100)
		return 1;
	b->last_ms = t;
	return 0;
}

static void draw(struct cli_bar *b, const char *what, double frac, const char *detail)
{
	char bar[BAR_WIDTH + 1];
	int fill = (int)(frac * BAR_WIDTH + 0.5);

	if (fill < 0)
		fill = 0;
	if (fill > BAR_WIDTH)
		fill = BAR_WIDTH;
	for (int i = 0; i < BAR_WIDTH; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[BAR_WIDTH] = '\0';
	fflush(stdout);
	fprintf(stderr, "\r\033[K%s [%s] %3d%% %s", what, bar, (int)(frac * 100 + 0.5), detail);
	fflush(stderr);
	b->drawn = 1;
}

void cli_bar_fetch(void *ud, uint64_t bytes_done, uint64_t bytes_total, size_t files_done, size_t files_total)
{
	struct cli_bar *b = ud;
	char d[32], t[32], detail[128];

	if (!b || !b->on || throttled(b, files_done == files_total))
		return;
	human(bytes_done, d, sizeof d);
	human(bytes_total, t, sizeof t);
	snprintf(detail, sizeof detail, "%s / %s, %zu/%zu packages", d, t, files_done, files_total);
	draw(b, b->what, bytes_total ? (double)bytes_done / (double)bytes_total : files_total ?
	     (double)files_done / (double)files_total : 1.0, detail);
}

void cli_bar_step(struct cli_bar *b, const char *what, size_t done, size_t total)
{
	char detail[64];

	if (!b || !b->on || throttled(b, done == total))
		return;
	snprintf(detail, sizeof detail, "%zu/%zu packages", done, total);
	draw(b, what ? what : b->what, total ? (double)done / (double)total : 1.0, detail);
}

void cli_bar_done(struct cli_bar *b)
{
	if (!b || !b->on || !b->drawn)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	b->drawn = 0;
}
