/* error.c - the error object: formatting of codes and messages. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cube_err_set(cube_err *err, cube_errc code, const char *fmt, ...)
{
	if (!err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int cube_err_errno(cube_err *err, int errnum, const char *fmt, ...)
{
	if (!err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	err->code = CUBE_EIO;
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", strerror(errnum));
	return -1;
}

/* Appends n bytes of src at *pos, never past the last byte of a message. */
static void append(char *dst, size_t *pos, const char *src, size_t n)
{
	size_t room = CUBE_ERR_MSG_MAX - 1 - *pos;
	if (n > room)
		n = room;
	memcpy(dst + *pos, src, n);
	*pos += n;
}

int cube_err_prefix(cube_err *err, const char *fmt, ...)
{
	if (!err)
		return -1;
	char ctx[CUBE_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	char out[CUBE_ERR_MSG_MAX];
	size_t pos = 0;
	size_t olen = strnlen(err->msg, sizeof(err->msg) - 1);
	append(out, &pos, ctx, strnlen(ctx, sizeof(ctx) - 1));
	if (olen) {
		append(out, &pos, ": ", 2);
		append(out, &pos, err->msg, olen);
	}
	out[pos] = '\0';
	memcpy(err->msg, out, pos + 1);
	return -1;
}

void cube_err_clear(cube_err *err)
{
	if (!err)
		return;
	err->code = CUBE_OK;
	err->msg[0] = '\0';
}

const char *cube_errc_name(cube_errc code)
{
	static const char *const names[] = {
		[CUBE_OK] = "OK",
		[CUBE_EINVAL] = "EINVAL",
		[CUBE_ENOMEM] = "ENOMEM",
		[CUBE_EIO] = "EIO",
		[CUBE_ENOTFOUND] = "ENOTFOUND",
		[CUBE_EEXIST] = "EEXIST",
		[CUBE_ECONFLICT] = "ECONFLICT",
		[CUBE_ECOMPACTED] = "ECOMPACTED",
		[CUBE_EUNAVAIL] = "EUNAVAIL",
		[CUBE_ETIMEOUT] = "ETIMEOUT",
		[CUBE_EPROTO] = "EPROTO",
		[CUBE_ECANCELED] = "ECANCELED",
		[CUBE_ETOOBIG] = "ETOOBIG",
	};
	if ((unsigned)code < sizeof(names) / sizeof(names[0]) && names[code])
		return names[code];
	return "EUNKNOWN";
}
