/* test_error.c - the error object: formatting, truncation at
 * CUBE_ERR_MSG_MAX, errno suffixes, prefix chains and code names.
 *
 * Every message must stay NUL-terminated inside msg[] whatever the input
 * length; ASan checks that no write goes past it. */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

/* A string of `n` characters cycling through the alphabet, so that a
 * truncation that keeps the wrong part is visible. */
static void fill(char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)('a' + i % 26);
	buf[n] = '\0';
}

Test(error, init_is_ok_and_empty)
{
	cube_err e = CUBE_ERR_INIT;
	cr_assert_eq(e.code, CUBE_OK);
	cr_assert_str_empty(e.msg);
}

Test(error, set_formats_code_and_message)
{
	cube_err e = CUBE_ERR_INIT;
	int rc =
		cube_err_set(&e, CUBE_ENOTFOUND, "pod %s/%s not found (%d)", "default", "web-0", 7);
	cr_assert_eq(rc, -1);
	cr_assert_eq(e.code, CUBE_ENOTFOUND);
	cr_assert_str_eq(e.msg, "pod default/web-0 not found (7)");
}

Test(error, set_with_null_err_returns_minus_one)
{
	cr_assert_eq(cube_err_set(NULL, CUBE_EINVAL, "x %d", 1), -1);
}

Test(error, set_overwrites_a_longer_previous_message)
{
	cube_err e = CUBE_ERR_INIT;
	cube_err_set(&e, CUBE_EIO, "a rather long first message that must disappear");
	cube_err_set(&e, CUBE_EINVAL, "short");
	cr_assert_eq(e.code, CUBE_EINVAL);
	cr_assert_str_eq(e.msg, "short");
}

Test(error, set_truncates_at_msg_max)
{
	char big[2000];
	fill(big, 1500);
	cube_err e = CUBE_ERR_INIT;
	cube_err_set(&e, CUBE_EINVAL, "%s", big);
	cr_assert_eq(strnlen(e.msg, sizeof(e.msg)), CUBE_ERR_MSG_MAX - 1);
	cr_assert_eq(memcmp(e.msg, big, CUBE_ERR_MSG_MAX - 1), 0);
	cr_assert_eq(e.msg[CUBE_ERR_MSG_MAX - 1], '\0');
}

Test(error, set_message_of_exactly_max_minus_one_is_kept_whole)
{
	char s[CUBE_ERR_MSG_MAX];
	fill(s, CUBE_ERR_MSG_MAX - 1);
	cube_err e = CUBE_ERR_INIT;
	cube_err_set(&e, CUBE_EIO, "%s", s);
	cr_assert_str_eq(e.msg, s);
}

Test(error, errno_appends_strerror_and_sets_eio)
{
	cube_err e = CUBE_ERR_INIT;
	int rc = cube_err_errno(&e, ENOENT, "open %s", "/etc/cube.conf");
	cr_assert_eq(rc, -1);
	cr_assert_eq(e.code, CUBE_EIO);
	char want[256];
	snprintf(want, sizeof(want), "open /etc/cube.conf: %s", strerror(ENOENT));
	cr_assert_str_eq(e.msg, want);
}

Test(error, errno_with_null_err_returns_minus_one)
{
	cr_assert_eq(cube_err_errno(NULL, EPERM, "chown %s", "x"), -1);
}

Test(error, errno_long_message_is_truncated_without_suffix_overflow)
{
	char big[1000];
	fill(big, 800);
	cube_err e = CUBE_ERR_INIT;
	cube_err_errno(&e, EACCES, "%s", big);
	cr_assert_eq(strnlen(e.msg, sizeof(e.msg)), CUBE_ERR_MSG_MAX - 1);
	cr_assert_eq(memcmp(e.msg, big, CUBE_ERR_MSG_MAX - 1), 0);
}

Test(error, errno_suffix_is_cut_when_message_nearly_fills)
{
	/* 505 bytes of message leave room for 6 more: ": " and 4 of strerror. */
	char s[600];
	fill(s, 505);
	cube_err e = CUBE_ERR_INIT;
	cube_err_errno(&e, ENOENT, "%s", s);
	cr_assert_eq(strlen(e.msg), CUBE_ERR_MSG_MAX - 1);
	cr_assert_eq(memcmp(e.msg, s, 505), 0);
	cr_assert_eq(memcmp(e.msg + 505, ": ", 2), 0);
	cr_assert_eq(memcmp(e.msg + 507, strerror(ENOENT), 4), 0);
}

Test(error, prefix_adds_context_and_keeps_code)
{
	cube_err e = CUBE_ERR_INIT;
	cube_err_set(&e, CUBE_EUNAVAIL, "connection refused");
	int rc = cube_err_prefix(&e, "etcd put %s", "/registry/pods/a");
	cr_assert_eq(rc, -1);
	cr_assert_eq(e.code, CUBE_EUNAVAIL);
	cr_assert_str_eq(e.msg, "etcd put /registry/pods/a: connection refused");
}

Test(error, prefix_chain_reads_outermost_first)
{
	cube_err e = CUBE_ERR_INIT;
	cube_err_errno(&e, ECONNRESET, "recv");
	cube_err_prefix(&e, "watch %s", "/registry/pods/");
	cube_err_prefix(&e, "informer pods");
	cube_err_prefix(&e, "controller %d", 3);
	char want[256];
	snprintf(want, sizeof(want), "controller 3: informer pods: watch /registry/pods/: recv: %s",
		 strerror(ECONNRESET));
	cr_assert_str_eq(e.msg, want);
	cr_assert_eq(e.code, CUBE_EIO);
}

Test(error, prefix_on_empty_message_has_no_separator)
{
	cube_err e = CUBE_ERR_INIT;
	cube_err_prefix(&e, "context %d", 1);
	cr_assert_str_eq(e.msg, "context 1");
}

Test(error, prefix_with_null_err_returns_minus_one)
{
	cr_assert_eq(cube_err_prefix(NULL, "ctx %s", "x"), -1);
}

Test(error, prefix_may_quote_its_own_message)
{
	/* The context is formatted before the message moves: aliasing is safe. */
	cube_err e = CUBE_ERR_INIT;
	cube_err_set(&e, CUBE_EINVAL, "base");
	cube_err_prefix(&e, "[%s]", e.msg);
	cr_assert_str_eq(e.msg, "[base]: base");
}

Test(error, prefix_truncates_the_tail_of_the_old_message)
{
	char old[600];
	fill(old, 510);
	cube_err e = CUBE_ERR_INIT;
	cube_err_set(&e, CUBE_ETIMEOUT, "%s", old);
	cube_err_prefix(&e, "context");
	cr_assert_eq(strlen(e.msg), CUBE_ERR_MSG_MAX - 1);
	cr_assert_eq(strncmp(e.msg, "context: ", 9), 0);
	/* The head of the old message survives, its tail is cut. */
	cr_assert_eq(memcmp(e.msg + 9, old, CUBE_ERR_MSG_MAX - 1 - 9), 0);
	cr_assert_eq(e.code, CUBE_ETIMEOUT);
}

Test(error, prefix_on_full_message)
{
	char old[CUBE_ERR_MSG_MAX];
	fill(old, CUBE_ERR_MSG_MAX - 1);
	cube_err e = CUBE_ERR_INIT;
	cube_err_set(&e, CUBE_EIO, "%s", old);
	cube_err_prefix(&e, "ab");
	cr_assert_eq(strlen(e.msg), CUBE_ERR_MSG_MAX - 1);
	cr_assert_eq(strncmp(e.msg, "ab: ", 4), 0);
	cr_assert_eq(memcmp(e.msg + 4, old, CUBE_ERR_MSG_MAX - 1 - 4), 0);
}

Test(error, prefix_longer_than_max_stays_in_bounds)
{
	char ctx[1200];
	fill(ctx, 1100);
	cube_err e = CUBE_ERR_INIT;
	cube_err_set(&e, CUBE_EINVAL, "x");
	cube_err_prefix(&e, "%s", ctx);
	cr_assert_eq(strnlen(e.msg, sizeof(e.msg)), CUBE_ERR_MSG_MAX - 1);
	cr_assert_eq(memcmp(e.msg, ctx, CUBE_ERR_MSG_MAX - 3), 0);
	cr_assert_eq(e.code, CUBE_EINVAL);
}

Test(error, prefix_longer_than_max_on_empty_message)
{
	char ctx[1200];
	fill(ctx, 1100);
	cube_err e = CUBE_ERR_INIT;
	cube_err_prefix(&e, "%s", ctx);
	cr_assert_eq(strnlen(e.msg, sizeof(e.msg)), CUBE_ERR_MSG_MAX - 1);
	cr_assert_eq(memcmp(e.msg, ctx, CUBE_ERR_MSG_MAX - 1), 0);
}

Test(error, many_prefixes_never_overflow)
{
	cube_err e = CUBE_ERR_INIT;
	cube_err_set(&e, CUBE_ECONFLICT, "root cause");
	for (int i = 0; i < 200; i++)
		cube_err_prefix(&e, "layer %d", i);
	cr_assert_eq(strnlen(e.msg, sizeof(e.msg)), CUBE_ERR_MSG_MAX - 1);
	cr_assert_eq(strncmp(e.msg, "layer 199: layer 198: ", 22), 0);
	cr_assert_eq(e.code, CUBE_ECONFLICT);
}

Test(error, clear_resets_and_accepts_null)
{
	cube_err e = CUBE_ERR_INIT;
	cube_err_set(&e, CUBE_ENOMEM, "out of memory");
	cube_err_clear(&e);
	cr_assert_eq(e.code, CUBE_OK);
	cr_assert_str_empty(e.msg);
	cube_err_clear(NULL);
	/* A cleared error takes a prefix as a plain message again. */
	cube_err_prefix(&e, "fresh");
	cr_assert_str_eq(e.msg, "fresh");
}

Test(error, code_names_are_stable_and_distinct)
{
	static const struct {
		cube_errc c;
		const char *name;
	} want[] = {
		{CUBE_OK, "OK"},
		{CUBE_EINVAL, "EINVAL"},
		{CUBE_ENOMEM, "ENOMEM"},
		{CUBE_EIO, "EIO"},
		{CUBE_ENOTFOUND, "ENOTFOUND"},
		{CUBE_EEXIST, "EEXIST"},
		{CUBE_ECONFLICT, "ECONFLICT"},
		{CUBE_ECOMPACTED, "ECOMPACTED"},
		{CUBE_EUNAVAIL, "EUNAVAIL"},
		{CUBE_ETIMEOUT, "ETIMEOUT"},
		{CUBE_EPROTO, "EPROTO"},
		{CUBE_ECANCELED, "ECANCELED"},
		{CUBE_ETOOBIG, "ETOOBIG"},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert_str_eq(cube_errc_name(want[i].c), want[i].name, "code %d",
				 (int)want[i].c);
}

Test(error, unknown_codes_have_a_name_too)
{
	cr_assert_str_eq(cube_errc_name((cube_errc)(CUBE_ETOOBIG + 1)), "EUNKNOWN");
	cr_assert_str_eq(cube_errc_name((cube_errc)999), "EUNKNOWN");
	cr_assert_str_eq(cube_errc_name((cube_errc)-1), "EUNKNOWN");
}
