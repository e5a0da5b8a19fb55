/* cleanup.h - scope-bound release of locals, as crun does it.
 *
 *   cube_autofree char *s = strdup("x");        freed when s leaves scope
 *   cube_autojson cJSON *o = cJSON_Parse(buf);  cJSON_Delete'd
 *   cube_autoclose int fd = open(...);          closed if >= 0
 *
 * Ownership is handed over with CUBE_STEAL: `*out = CUBE_STEAL(p);` returns p
 * and sets p to NULL so the cleanup does nothing.
 */
#ifndef CUBE_CLEANUP_H
#define CUBE_CLEANUP_H

#include <stdlib.h>
#include <unistd.h>

#include <cjson/cJSON.h>

static inline void cube_freep(void *p)
{
	free(*(void **)p);
}

static inline void cube_json_freep(cJSON **p)
{
	if (*p)
		cJSON_Delete(*p);
}

static inline void cube_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

#define cube_autofree __attribute__((cleanup(cube_freep)))
#define cube_autojson __attribute__((cleanup(cube_json_freep)))
#define cube_autoclose __attribute__((cleanup(cube_closep)))

#define CUBE_STEAL(p)                        \
	({                                   \
		__typeof__(p) _cube_t = (p); \
		(p) = NULL;                  \
		_cube_t;                     \
	})

#define CUBE_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
