/* test_strmap.c - the string-keyed hash map under the caches: put, get, del,
 * replacement with the old value handed back, growth to many thousands of
 * keys, sorted listings, early stop of each(), the empty key, and keys whose
 * hashes share their low bits (so they share a bucket through several
 * growths).
 *
 * Values are small integers cast to pointers: the map never dereferences
 * them.  ASan's leak check covers the key copies. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

#define V(i) ((void *)(uintptr_t)(i))

/* The map's own hash (FNV-1a, 64 bits), to pick keys that collide. */
static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

Test(strmap, new_map_is_empty)
{
	cube_strmap *m = cube_strmap_new();
	cr_assert_not_null(m);
	cr_assert_eq(cube_strmap_len(m), 0);
	cr_assert_null(cube_strmap_get(m, "a"));
	cr_assert_null(cube_strmap_del(m, "a"));
	cube_strmap_free(m);
}

Test(strmap, free_accepts_null)
{
	cube_strmap_free(NULL);
}

Test(strmap, put_get_del)
{
	cube_strmap *m = cube_strmap_new();
	void *old = V(99);
	cr_assert_eq(cube_strmap_put(m, "default/web-0", V(1), &old), 0);
	cr_assert_null(old, "a new key hands back NULL as the old value");
	cr_assert_eq(cube_strmap_put(m, "default/web-1", V(2), NULL), 0);
	cr_assert_eq(cube_strmap_len(m), 2);
	cr_assert_eq(cube_strmap_get(m, "default/web-0"), V(1));
	cr_assert_eq(cube_strmap_get(m, "default/web-1"), V(2));
	cr_assert_null(cube_strmap_get(m, "default/web-2"));
	cr_assert_null(cube_strmap_get(m, "default/web-"), "a prefix is another key");

	cr_assert_eq(cube_strmap_del(m, "default/web-0"), V(1));
	cr_assert_eq(cube_strmap_len(m), 1);
	cr_assert_null(cube_strmap_get(m, "default/web-0"));
	cr_assert_null(cube_strmap_del(m, "default/web-0"), "a second del finds nothing");
	cr_assert_eq(cube_strmap_len(m), 1);
	cr_assert_eq(cube_strmap_get(m, "default/web-1"), V(2));
	cube_strmap_free(m);
}

Test(strmap, key_is_copied)
{
	cube_strmap *m = cube_strmap_new();
	char key[16];
	snprintf(key, sizeof(key), "ns/a");
	cube_strmap_put(m, key, V(1), NULL);
	key[3] = 'b';
	cr_assert_eq(cube_strmap_get(m, "ns/a"), V(1));
	cr_assert_null(cube_strmap_get(m, "ns/b"));
	cube_strmap_free(m);
}

Test(strmap, replace_returns_old_value)
{
	cube_strmap *m = cube_strmap_new();
	void *old = NULL;
	cube_strmap_put(m, "k", V(1), NULL);
	cr_assert_eq(cube_strmap_put(m, "k", V(2), &old), 0);
	cr_assert_eq(old, V(1));
	cr_assert_eq(cube_strmap_put(m, "k", V(3), &old), 0);
	cr_assert_eq(old, V(2));
	cr_assert_eq(cube_strmap_put(m, "k", V(4), NULL), 0, "old may be NULL on replace too");
	cr_assert_eq(cube_strmap_len(m), 1, "a replace does not add an entry");
	cr_assert_eq(cube_strmap_get(m, "k"), V(4));
	cr_assert_eq(cube_strmap_del(m, "k"), V(4));
	cr_assert_eq(cube_strmap_len(m), 0);
	cube_strmap_free(m);
}

Test(strmap, empty_string_key)
{
	cube_strmap *m = cube_strmap_new();
	cr_assert_null(cube_strmap_get(m, ""));
	cr_assert_eq(cube_strmap_put(m, "", V(7), NULL), 0);
	cube_strmap_put(m, "x", V(8), NULL);
	cr_assert_eq(cube_strmap_len(m), 2);
	cr_assert_eq(cube_strmap_get(m, ""), V(7));

	const char *keys[2];
	cr_assert_eq(cube_strmap_sorted_keys(m, keys), 2);
	cr_assert_str_eq(keys[0], "", "the empty key sorts first");
	cr_assert_str_eq(keys[1], "x");

	cr_assert_eq(cube_strmap_del(m, ""), V(7));
	cr_assert_null(cube_strmap_get(m, ""));
	cr_assert_eq(cube_strmap_get(m, "x"), V(8));
	cube_strmap_free(m);
}

/* Enough keys for ten doublings from the initial 64 buckets, then half of
 * them removed: every lookup must still land after each rehash. */
Test(strmap, grows_past_many_thousands_of_keys)
{
	enum { N = 100000 };
	char key[32];
	cube_strmap *m = cube_strmap_new();
	for (int i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "ns-%d/pod-%d", i % 97, i);
		cr_assert_eq(cube_strmap_put(m, key, V(i + 1), NULL), 0);
	}
	cr_assert_eq(cube_strmap_len(m), N);
	for (int i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "ns-%d/pod-%d", i % 97, i);
		cr_assert_eq(cube_strmap_get(m, key), V(i + 1), "key %s", key);
	}
	for (int i = 0; i < N; i += 2) {
		snprintf(key, sizeof(key), "ns-%d/pod-%d", i % 97, i);
		cr_assert_eq(cube_strmap_del(m, key), V(i + 1));
	}
	cr_assert_eq(cube_strmap_len(m), N / 2);
	for (int i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "ns-%d/pod-%d", i % 97, i);
		if (i % 2)
			cr_assert_eq(cube_strmap_get(m, key), V(i + 1), "key %s", key);
		else
			cr_assert_null(cube_strmap_get(m, key), "deleted key %s", key);
	}
	cube_strmap_free(m);
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

Test(strmap, sorted_keys_are_in_strcmp_order)
{
	/* Inserted out of order; includes prefixes, case and a byte > 0x7f,
	 * which strcmp compares as unsigned. */
	static const char *const in[] = {
		"b", "a/b", "ab", "B", "a", "", "a0", "\xc3\xa9", "kube-system/x", "default/y"};
	static const char *const want[] = {"",	 "B", "a",	   "a/b",	    "a0",
					   "ab", "b", "default/y", "kube-system/x", "\xc3\xa9"};
	cube_strmap *m = cube_strmap_new();
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		cube_strmap_put(m, in[i], V(i + 1), NULL);
	const char *keys[sizeof(in) / sizeof(in[0])];
	size_t n = cube_strmap_sorted_keys(m, keys);
	cr_assert_eq(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++)
		cr_assert_str_eq(keys[i], want[i], "position %zu", i);
	cube_strmap_free(m);
}

Test(strmap, sorted_keys_over_many_keys)
{
	enum { N = 5000 };
	cube_strmap *m = cube_strmap_new();
	char key[16];
	/* Numbers padded to a fixed width sort as text the way they sort as
	 * numbers; insert them in a scrambled order. */
	for (int i = 0; i < N; i++) {
		int k = (int)(((long)i * 7919) % N);
		snprintf(key, sizeof(key), "%06d", k);
		cube_strmap_put(m, key, V(k + 1), NULL);
	}
	cr_assert_eq(cube_strmap_len(m), N);
	const char **keys = calloc(N, sizeof(*keys));
	int *nums = calloc(N, sizeof(*nums));
	cr_assert_eq(cube_strmap_sorted_keys(m, keys), N);
	for (int i = 0; i < N; i++) {
		cr_assert_eq(atoi(keys[i]), i);
		cr_assert_eq(cube_strmap_get(m, keys[i]), V(i + 1), "keys are the map's own");
		nums[i] = atoi(keys[i]);
	}
	qsort(nums, N, sizeof(*nums), cmp_int);
	for (int i = 1; i < N; i++)
		cr_assert_neq(nums[i - 1], nums[i], "no key listed twice");
	free(nums);
	free(keys);
	cube_strmap_free(m);
}

struct visit {
	int calls;
	int stop_at;
	uintptr_t sum;
};

static int visit_cb(void *ud, const char *key, void *value)
{
	struct visit *v = ud;
	cr_assert_not_null(key);
	v->calls++;
	v->sum += (uintptr_t)value;
	return v->calls == v->stop_at ? 42 : 0;
}

Test(strmap, each_visits_every_entry_once)
{
	cube_strmap *m = cube_strmap_new();
	char key[16];
	uintptr_t want = 0;
	for (int i = 1; i <= 1000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		cube_strmap_put(m, key, V(i), NULL);
		want += (uintptr_t)i;
	}
	struct visit v = {0, -1, 0};
	cr_assert_eq(cube_strmap_each(m, visit_cb, &v), 0);
	cr_assert_eq(v.calls, 1000);
	cr_assert_eq(v.sum, want);
	cube_strmap_free(m);
}

Test(strmap, each_stops_early_and_returns_the_callbacks_value)
{
	cube_strmap *m = cube_strmap_new();
	char key[16];
	for (int i = 1; i <= 100; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		cube_strmap_put(m, key, V(i), NULL);
	}
	struct visit v = {0, 3, 0};
	cr_assert_eq(cube_strmap_each(m, visit_cb, &v), 42);
	cr_assert_eq(v.calls, 3, "no call after the one that returned non-zero");

	v = (struct visit){0, 1, 0};
	cr_assert_eq(cube_strmap_each(m, visit_cb, &v), 42);
	cr_assert_eq(v.calls, 1);
	cube_strmap_free(m);
}

Test(strmap, each_on_empty_map_calls_nothing)
{
	cube_strmap *m = cube_strmap_new();
	struct visit v = {0, 1, 0};
	cr_assert_eq(cube_strmap_each(m, visit_cb, &v), 0);
	cr_assert_eq(v.calls, 0);
	cube_strmap_free(m);
}

/* Keys whose hashes agree in their low 16 bits share a bucket until the
 * table has 65536 buckets: one long chain.  Removing its head, a middle and
 * its tail must leave the others reachable, before and after growth. */
Test(strmap, keys_colliding_in_low_bits)
{
	enum { NC = 12 };
	char coll[NC][16];
	int nc = 0;
	uint64_t want = fnv1a("c0") & 0xffff;
	for (int i = 0; nc < NC; i++) {
		char key[16];
		snprintf(key, sizeof(key), "c%d", i);
		if ((fnv1a(key) & 0xffff) == want)
			memcpy(coll[nc++], key, sizeof(key));
		cr_assert_lt(i, 50000000, "could not find colliding keys");
	}

	cube_strmap *m = cube_strmap_new();
	for (int i = 0; i < NC; i++)
		cube_strmap_put(m, coll[i], V(i + 1), NULL);
	cr_assert_eq(cube_strmap_len(m), NC);
	for (int i = 0; i < NC; i++)
		cr_assert_eq(cube_strmap_get(m, coll[i]), V(i + 1), "key %s", coll[i]);

	/* Which of them is a chain's head depends on insertion; remove the
	 * first, last and a middle one inserted, covering all three. */
	cr_assert_eq(cube_strmap_del(m, coll[0]), V(1));
	cr_assert_eq(cube_strmap_del(m, coll[NC / 2]), V(NC / 2 + 1));
	cr_assert_eq(cube_strmap_del(m, coll[NC - 1]), V(NC));
	for (int i = 0; i < NC; i++) {
		if (i == 0 || i == NC / 2 || i == NC - 1)
			cr_assert_null(cube_strmap_get(m, coll[i]));
		else
			cr_assert_eq(cube_strmap_get(m, coll[i]), V(i + 1), "key %s", coll[i]);
	}

	/* Grow to 8192 buckets around the chain, replace inside it, check again. */
	char key[16];
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "o%d", i);
		cube_strmap_put(m, key, V(100000 + i), NULL);
	}
	void *old = NULL;
	cube_strmap_put(m, coll[3], V(777), &old);
	cr_assert_eq(old, V(4));
	cr_assert_eq(cube_strmap_len(m), NC - 3 + 5000);
	for (int i = 0; i < NC; i++) {
		if (i == 0 || i == NC / 2 || i == NC - 1)
			cr_assert_null(cube_strmap_get(m, coll[i]));
		else
			cr_assert_eq(cube_strmap_get(m, coll[i]), i == 3 ? V(777) : V(i + 1),
				     "key %s", coll[i]);
	}
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "o%d", i);
		cr_assert_eq(cube_strmap_get(m, key), V(100000 + i));
	}
	cube_strmap_free(m);
}

Test(strmap, sorted_keys_of_empty_map)
{
	cube_strmap *m = cube_strmap_new();
	const char *one[1] = {"untouched"};
	cr_assert_eq(cube_strmap_sorted_keys(m, one), 0);
	cr_assert_str_eq(one[0], "untouched");
	cube_strmap_free(m);
}

/* Regression: the contract asks for capacity >= len, so for an empty map a
 * caller may pass no array at all; qsort(NULL, 0, ...) tripped UBSan (glibc
 * declares qsort's base nonnull) until strmap.c skipped sorting n < 2. */
Test(strmap, sorted_keys_of_empty_map_with_no_array)
{
	cube_strmap *m = cube_strmap_new();
	cr_assert_eq(cube_strmap_sorted_keys(m, NULL), 0);
	cube_strmap_free(m);
}
