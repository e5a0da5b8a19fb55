/* error.h - the one error object and return convention of cube.
 *
 * Every fallible function in lib/ returns a negative number (or NULL) and, if
 * its last argument `cube_err *err` is not NULL, fills it with a code and a
 * human-readable message.  Callers add context on the way up with
 * cube_err_prefix() ("etcd put /registry/pods/a: connection refused"), and the
 * error is logged once, where it is handled.  The library never prints and
 * never exits.
 *
 * The object lives on the caller's stack: no allocation, nothing to free.
 */
#ifndef CUBE_ERROR_H
#define CUBE_ERROR_H

#include <stddef.h>

/* Error codes: what a caller may want to branch on.  The message says the rest. */
typedef enum cube_errc {
	CUBE_OK = 0,
	CUBE_EINVAL,	 /* malformed input (a parse error, a bad argument) */
	CUBE_ENOMEM,	 /* allocation failed */
	CUBE_EIO,	 /* a system call failed (errno in the message) */
	CUBE_ENOTFOUND,	 /* the thing asked for does not exist */
	CUBE_EEXIST,	 /* create of something that already exists */
	CUBE_ECONFLICT,	 /* a compare-and-swap precondition failed */
	CUBE_ECOMPACTED, /* the revision asked for was compacted away */
	CUBE_EUNAVAIL,	 /* a server could not be reached or answered 5xx */
	CUBE_ETIMEOUT,	 /* a deadline passed */
	CUBE_EPROTO,	 /* a peer answered something we cannot understand */
	CUBE_ECANCELED,	 /* the caller asked to stop */
	CUBE_ETOOBIG,	 /* input over a documented size limit */
} cube_errc;

#define CUBE_ERR_MSG_MAX 512

typedef struct cube_err {
	cube_errc code;
	char msg[CUBE_ERR_MSG_MAX];
} cube_err;

#define CUBE_ERR_INIT     \
	{                 \
		CUBE_OK,  \
		{         \
			0 \
		}         \
	}

/* Sets code and message (printf format); returns -1 so that callers can write
 * `return cube_err_set(err, CUBE_EINVAL, "...")`.  err may be NULL. */
int cube_err_set(cube_err *err, cube_errc code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like cube_err_set, appending ": strerror(errnum)". Returns -1. */
int cube_err_errno(cube_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepends context: "context: previous message".  Keeps the code.  Returns -1.
 * err may be NULL. */
int cube_err_prefix(cube_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Resets to CUBE_OK and an empty message. err may be NULL. */
void cube_err_clear(cube_err *err);

/* A stable name for a code ("EINVAL" ...). Never NULL. */
const char *cube_errc_name(cube_errc code);

#endif
