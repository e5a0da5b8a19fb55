/* fsutil.h - small file-system helpers every component needs: mkdir -p,
 * rm -rf that never crosses into a mount, reading a whole file, writing
 * all of a buffer to a descriptor. */
#ifndef CUBE_FSUTIL_H
#define CUBE_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* mkdir -p: dir and its missing parents with mode (before umask).  0, or -1
 * with errno. */
int cube_mkdir_p(const char *dir, mode_t mode);

/* rm -rf of path (a file or a directory tree, symlinks not followed), never
 * crossing into a mount below it: a mount still there stays intact. */
void cube_rm_rf(const char *path);

/* The whole content of path, NUL-terminated (it may hold NULs: *len, when
 * not NULL, is its length); a new buffer, or NULL with errno. */
char *cube_read_file(const char *path, size_t *len);

/* Writes all len bytes to fd (a file, pipe or socket; a non-blocking one
 * is waited on, up to 30 s per stall).  0, or -1 with errno. */
int cube_write_all(int fd, const void *p, size_t len);

#endif
