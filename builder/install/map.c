/* SPDX-License-Identifier: MIT */
/* A string-keyed hash map with linear probing; entries are never removed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "install/map.h"

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static struct install_map_slot *find(struct install_map_slot *slots, size_t cap, const char *key)
{
	size_t i = (size_t)hash(key) & (cap - 1);

	while (slots[i].key && strcmp(slots[i].key, key))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

struct install_map_slot *install_map_get(struct install_map *m, const char *key)
{
	struct install_map_slot *s;

	if (!m->cap)
		return NULL;
	s = find(m->slots, m->cap, key);
	return s->key ? s : NULL;
}

static void grow(struct install_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct install_map_slot *slots = pf_xcalloc(cap, sizeof *slots);

	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			*find(slots, cap, m->slots[i].key) = m->slots[i];
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
}

struct install_map_slot *install_map_put(struct install_map *m, const char *key, int *created)
{
	struct install_map_slot *s;

	if ((m->n + 1) * 4 >= m->cap * 3)
		grow(m);
	s = find(m->slots, m->cap, key);
	if (created)
		*created = !s->key;
	if (!s->key) {
		s->key = pf_xstrdup(key);
		m->n++;
	}
	return s;
}

void install_map_release(struct install_map *m)
{
	for (size_t i = 0; i < m->cap; i++) {
		free(m->slots[i].key);
		free(m->slots[i].aux);
	}
	free(m->slots);
	memset(m, 0, sizeof *m);
}
