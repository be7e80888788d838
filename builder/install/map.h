/* SPDX-License-Identifier: MIT */
/* A string-keyed hash map (open addressing) private to install/: path sets and path owners. */
#ifndef PF_INSTALL_MAP_H
#define PF_INSTALL_MAP_H

#include <stddef.h>

struct install_map_slot {
	char *key;		/* owned; NULL when empty */
	char *aux;		/* owned, optional (e.g. the exact spelling of a folded key) */
	int val;
};

struct install_map {
	struct install_map_slot *slots;
	size_t n, cap;
};

/* The slot for key, or NULL. */
struct install_map_slot *install_map_get(struct install_map *m, const char *key);
/* The slot for key, created (val 0, aux NULL) when missing; *created says which. */
struct install_map_slot *install_map_put(struct install_map *m, const char *key, int *created);
void install_map_release(struct install_map *m);

#endif
