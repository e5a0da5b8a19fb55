/* strmap.h - a hash map from strings to pointers.
 *
 * Used for object caches keyed "namespace/name" (the API server's watch
 * cache, informers).  Keys are copied; values are the caller's (the map never
 * frees them: iterate and free before cube_strmap_free if you own them).
 * Not thread-safe: callers hold their own lock.
 */
#ifndef CUBE_STRMAP_H
#define CUBE_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cube_strmap cube_strmap;

/* Returns an empty map, NULL on ENOMEM. */
cube_strmap *cube_strmap_new(void);

/* Frees the map and its key copies (not the values). Accepts NULL. */
void cube_strmap_free(cube_strmap *m);

size_t cube_strmap_len(const cube_strmap *m);

/* The value for key, or NULL. */
void *cube_strmap_get(const cube_strmap *m, const char *key);

/* Sets key to value; if `old` is not NULL it receives the replaced value (or
 * NULL). Returns 0, or -1 on ENOMEM (the map is then unchanged). */
int cube_strmap_put(cube_strmap *m, const char *key, void *value, void **old);

/* Removes key; returns its value, or NULL if it was absent. */
void *cube_strmap_del(cube_strmap *m, const char *key);

/* Calls fn for every entry, in no particular order; stops early if fn
 * returns non-zero (and returns that). The map must not change meanwhile. */
int cube_strmap_each(const cube_strmap *m, int (*fn)(void *ud, const char *key, void *value),
		     void *ud);

/* Fills `keys` (capacity >= len) with borrowed key pointers sorted by
 * strcmp, for listings in key order as etcd returns them. Returns the count. */
size_t cube_strmap_sorted_keys(const cube_strmap *m, const char **keys);

/* The map's hash of a string (FNV-1a, 64 bits), for other string tables. */
uint64_t cube_strmap_hash(const char *s);

#endif
