/* SPDX-License-Identifier: MIT */
/* Directory mirrors: <dir>/<artifact file>, copied into the cache while hashed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fetch/fetch_int.h"

static void get_one(struct fetch_run *r, struct fetch_item *it, const char *dir)
{
	char *path = pf_path_join(dir, it->a->file);
	char *place = pf_xasprintf("mirror '%s'", dir);
	struct fetch_sink s;
	char why[256] = "";
	struct stat st;
	uint64_t got;
	int fd, rc;

	/* O_NONBLOCK: a FIFO planted in the mirror must not hang us */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		fetch_item_tried(it, errno == ENOENT ? PF_ENOTFOUND : PF_ENET, place, "%s",
				 errno == ENOENT ? "no such file" : strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fetch_item_tried(it, PF_ENOTFOUND, place, "not a regular file");
		goto out;
	}
	if ((uint64_t)st.st_size != it->a->size) {
		pf_warn(r->e, "mirror '%s': '%s' has wrong size %llu (expected %llu), trying the next place",
			dir, it->a->file, (unsigned long long)st.st_size, (unsigned long long)it->a->size);
		fetch_item_tried(it, PF_EDIGEST, place, "wrong size");
		goto out;
	}
	if (fetch_sink_open(&s, r, it->a))
		goto out;
	if (fetch_copy_range(fd, 0, it->a->size + 1, &s, why, sizeof why) < 0 && strcmp(why, "unexpected end of file")) {
		fetch_sink_abort(&s);
		fetch_item_tried(it, PF_ENET, place, "%s", why);
		goto out;
	}
	got = s.got;
	fetch_run_bytes(r, (int64_t)got);
	rc = fetch_sink_commit(&s, why, sizeof why, r->e);
	if (rc == -PF_EDIGEST) {
		fetch_run_bytes(r, -(int64_t)got);
		pf_warn(r->e, "mirror '%s': '%s': %s, trying the next place", dir, it->a->file, why);
		fetch_item_tried(it, PF_EDIGEST, place, "%s", why);
	} else if (!rc) {
		fetch_item_done(r, it, fetch_sink_take(&s));
	}
out:
	if (fd >= 0)
		close(fd);
	free(path);
	free(place);
}

void fetch_from_dir(struct fetch_run *r, const char *dir)
{
	for (size_t i = 0; i < r->n && !r->e->code; i++)
		if (!r->items[i].done)
			get_one(r, &r->items[i], dir);
}
