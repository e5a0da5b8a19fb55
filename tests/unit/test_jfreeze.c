/* test_jfreeze.c - frozen JSON trees: a frozen copy prints as cJSON prints
 * the source (escapes, unicode, numbers, nested empties, top-level scalars),
 * equal child lists are shared between trees and outlive the tree that made
 * them, different ones are not, copies (cJSON_Duplicate) are independent,
 * and every chain goes when its last user does, also with several threads
 * freezing and freeing at once.  ASan checks the frees. */
#include <criterion/criterion.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jfreeze.h"
#include "obj.h"

static const char *const corpus[] = {
	"{}",
	"[]",
	"[[]]",
	"[{}]",
	"{\"a\":{},\"b\":[],\"c\":[{}, [], [[{}]]]}",
	"\"just a string\"",
	"\"\"",
	"42",
	"-0",
	"1.5e300",
	"true",
	"false",
	"null",
	"[1,2,3,-4,0.5,1e-7,123456789012,-9007199254740993,3.141592653589793]",
	"{\"esc\":\"quote \\\" backslash \\\\ slash \\/ \\b\\f\\n\\r\\t ctl \\u0001\"}",
	"{\"unicode\":\"\\u00e9t\\u00e9 \\u4e2d\\u6587 \\ud83d\\ude00 caf\xc3\xa9\"}",
	"{\"k\\u00e9y\":1,\"\":\"empty key\",\"dup\":1,\"dup\":2}",
	"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"labels\":{"
	"\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\",\"ports\":["
	"{\"containerPort\":80,\"protocol\":\"TCP\"}]}]},\"status\":{\"phase\":\"Running\"}}",
	"[\"TCP\",\"TCP\",\"UDP\",\"metadata\",null,true,false,{\"metadata\":\"metadata\"}]",
	"[[1,2],[1,2],[1,2],{\"a\":[1,2]},{\"a\":[1,2]}]",
};

static char *print(const cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);
	cr_assert_not_null(s);
	return s;
}

static void check_round_trip(const char *text)
{
	cJSON *src = cJSON_Parse(text);
	cr_assert_not_null(src, "corpus document does not parse: %s", text);
	const cJSON *f = cube_json_freeze(src);
	cr_assert_not_null(f);
	char *want = print(src), *got = print(f);
	cr_expect_str_eq(got, want, "frozen %s", text);
	char *want_f = cJSON_Print(src), *got_f = cJSON_Print(f);
	cr_expect_str_eq(got_f, want_f);
	/* cJSON_Compare finds the first of duplicate keys: it differs even from a copy then. */
	cJSON *copy = cJSON_Duplicate(src, true);
	if (cJSON_Compare(src, copy, true))
		cr_expect(cJSON_Compare(src, f, true), "compare %s", text);
	cJSON_Delete(copy);
	/* A copy is an ordinary tree that outlives the frozen one. */
	cJSON *dup = cJSON_Duplicate(f, true);
	cJSON_Delete(src);
	cube_json_frozen_free(f);
	char *again = print(dup);
	cr_expect_str_eq(again, want);
	cJSON_Delete(dup);
	free(want), free(got), free(want_f), free(got_f), free(again);
}

Test(jfreeze, prints_as_the_source)
{
	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++)
		check_round_trip(corpus[i]);
}

Test(jfreeze, freeze_of_null_and_free_of_null)
{
	cr_assert_null(cube_json_freeze(NULL));
	cube_json_frozen_free(NULL);
}

Test(jfreeze, root_key_is_not_kept_and_members_are_linked)
{
	cJSON *o = cJSON_Parse("{\"item\":{\"a\":1,\"b\":2,\"c\":3}}");
	cJSON *item = cJSON_DetachItemFromObject(o, "item"); /* keeps its key "item" */
	const cJSON *f = cube_json_freeze(item);
	cr_assert_null(f->string);
	const cJSON *a = f->child, *c = a->next->next;
	cr_assert_str_eq(a->string, "a");
	cr_assert_str_eq(c->string, "c");
	cr_assert_null(c->next);
	cr_assert_eq(a->prev, c, "the first's prev is the last, as cJSON links");
	cr_assert_eq(cJSON_GetArraySize(f), 3);
	cr_assert_eq(f->type & (cJSON_IsReference | cJSON_StringIsConst), 0);
	cube_json_frozen_free(f);
	cJSON_Delete(item);
	cJSON_Delete(o);
}

static const char pod_fmt[] =
	"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\",\"namespace\":"
	"\"default\",\"labels\":{\"app\":\"web\",\"pod-template-hash\":\"5d4f\"},"
	"\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":"
	"\"web-5d4f\",\"uid\":\"u-1\",\"controller\":true}]},\"spec\":{\"containers\":[{"
	"\"name\":\"web\",\"image\":\"%s\",\"ports\":[{\"containerPort\":8080}]}],"
	"\"nodeName\":\"%s\"},\"status\":{\"phase\":\"Running\",\"podIP\":\"%s\"}}";

static cJSON *pod(const char *name, const char *image, const char *node, const char *ip)
{
	char buf[2048];
	snprintf(buf, sizeof(buf), pod_fmt, name, image, node, ip);
	cJSON *p = cJSON_Parse(buf);
	cr_assert_not_null(p);
	return p;
}

static const cJSON *path(const cJSON *o, const char *dotted)
{
	const cJSON *v = cube_json_path(o, dotted);
	cr_assert_not_null(v, "no %s", dotted);
	return v;
}

Test(jfreeze, equal_parts_are_shared_and_outlive_their_maker)
{
	cube_json_frozen_stats s0, s1, s2;
	cube_json_frozen_get_stats(&s0);
	cJSON *pa = pod("a", "web:v1", "node-1", "10.0.0.1");
	cJSON *pb = pod("b", "web:v1", "node-1", "10.0.0.2");
	const cJSON *a = cube_json_freeze(pa), *b = cube_json_freeze(pb);
	/* Each tree has its own nodes for the lists... */
	cr_assert_neq(path(a, "metadata.labels"), path(b, "metadata.labels"));
	/* ...and shares what is in them. */
	cr_assert_eq(path(a, "metadata.labels")->child, path(b, "metadata.labels")->child);
	cr_assert_eq(path(a, "metadata.ownerReferences")->child,
		     path(b, "metadata.ownerReferences")->child);
	cr_assert_eq(path(a, "spec")->child, path(b, "spec")->child);
	cr_assert_neq(path(a, "metadata")->child, path(b, "metadata")->child); /* names differ */
	cr_assert_neq(path(a, "status")->child, path(b, "status")->child);     /* IPs differ */
	cube_json_frozen_get_stats(&s1);
	cr_assert_eq(s1.roots, s0.roots + 2);

	char *want = print(pb);
	cube_json_frozen_free(a); /* b keeps what they shared */
	char *got = print(b);
	cr_assert_str_eq(got, want);
	cr_assert_str_eq(
		cJSON_GetArrayItem(path(b, "spec.containers"), 0)->child->next->valuestring,
		"web:v1");
	cube_json_frozen_free(b);
	cube_json_frozen_get_stats(&s2);
	cr_assert_eq(s2.chains, s0.chains, "every chain freed with its last user");
	cr_assert_eq(s2.bytes, s0.bytes);
	cr_assert_eq(s2.roots, s0.roots);
	cr_assert_eq(s2.root_bytes, s0.root_bytes);
	free(want), free(got);
	cJSON_Delete(pa), cJSON_Delete(pb);
}

/* Lists that print alike or nearly so must not be taken for one another. */
Test(jfreeze, different_lists_are_not_shared)
{
	static const char *const pairs[][2] = {
		{"{\"x\":[1]}", "{\"x\":[\"1\"]}"},
		{"{\"x\":[true]}", "{\"x\":[false]}"},
		{"{\"x\":[1]}", "{\"x\":[1.5]}"},
		{"{\"x\":{\"a\":1}}", "{\"x\":{\"b\":1}}"},
		{"{\"x\":[1,2]}", "{\"x\":[2,1]}"},
		{"{\"x\":[[]]}", "{\"x\":[{}]}"},
		{"{\"x\":[null]}", "{\"x\":[[]]}"},
		{"{\"x\":[1,2]}", "{\"x\":[1,2,3]}"},
		{"{\"x\":[0]}", "{\"x\":[-0]}"},
		{"{\"x\":[\"a\"]}", "{\"x\":[\"a \"]}"},
		{"{\"x\":[[1],[2]]}", "{\"x\":[[1],[3]]}"},
		{"{\"x\":{\"a\":[]}}", "{\"x\":{\"a\":{}}}"},
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		cJSON *sa = cJSON_Parse(pairs[i][0]), *sb = cJSON_Parse(pairs[i][1]);
		const cJSON *a = cube_json_freeze(sa), *b = cube_json_freeze(sb);
		cr_expect_neq(a->child->child, b->child->child, "%s and %s", pairs[i][0],
			      pairs[i][1]);
		char *pa = print(a), *pb = print(b), *wa = print(sa), *wb = print(sb);
		cr_expect_str_eq(pa, wa);
		cr_expect_str_eq(pb, wb);
		free(pa), free(pb), free(wa), free(wb);
		cube_json_frozen_free(a), cube_json_frozen_free(b);
		cJSON_Delete(sa), cJSON_Delete(sb);
	}
}

Test(jfreeze, robj_from_keeps_the_source_and_new_takes_it)
{
	cJSON *p = pod("p", "web:v1", "node-1", "10.0.0.1");
	cube_robj *r = cube_robj_from(p, 0, NULL);
	cr_assert_not_null(r);
	cr_assert_str_eq(r->key, "default/p");
	cr_assert(cJSON_Compare(r->json, p, true));
	cr_assert_neq(r->json, p);
	cube_robj *r2 = cube_robj_new(p, 0, NULL); /* p deleted */
	cr_assert_eq(path(r->json, "spec")->child, path(r2->json, "spec")->child);
	cube_robj_unref(r);
	cr_assert_str_eq(cube_json_str(r2->json, "status.podIP"), "10.0.0.1");
	cube_robj_unref(r2);
}

static void *churn(void *arg)
{
	int t = (int)(long)arg;
	for (int i = 0; i < 300; i++) {
		char name[32], ip[32];
		snprintf(name, sizeof(name), "p-%d-%d", t, i);
		snprintf(ip, sizeof(ip), "10.0.%d.%d", t, i % 250);
		cJSON *p = pod(name, i % 3 ? "web:v1" : "web:v2", "node-1", ip);
		const cJSON *f = cube_json_freeze(p);
		cr_assert_not_null(f);
		cr_assert(cJSON_Compare(f, p, true));
		cJSON_Delete(p);
		cube_json_frozen_free(f);
	}
	return NULL;
}

Test(jfreeze, threads_freeze_and_free_alike_trees)
{
	cube_json_frozen_stats s0, s1;
	cube_json_frozen_get_stats(&s0);
	pthread_t th[4];
	for (long i = 0; i < 4; i++)
		cr_assert_eq(pthread_create(&th[i], NULL, churn, (void *)i), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	cube_json_frozen_get_stats(&s1);
	cr_assert_eq(s1.chains, s0.chains);
	cr_assert_eq(s1.roots, s0.roots);
}

Test(jfreeze, many_chains_grow_the_table)
{
	enum { N = 5000 };
	const cJSON **f = calloc(N, sizeof(*f));
	cJSON **src = calloc(N, sizeof(*src));
	for (int i = 0; i < N; i++) {
		char buf[96];
		snprintf(buf, sizeof(buf), "{\"a\":{\"i\":%d},\"b\":{\"i\":%d}}", i, i % 7);
		src[i] = cJSON_Parse(buf);
		f[i] = cube_json_freeze(src[i]);
		cr_assert_not_null(f[i]);
	}
	cube_json_frozen_stats s;
	cube_json_frozen_get_stats(&s);
	cr_assert_geq(s.chains, N); /* the b lists equal seven of the a lists */
	for (int i = 0; i < N; i++) {
		cr_assert(cJSON_Compare(f[i], src[i], true), "tree %d", i);
		cube_json_frozen_free(f[i]);
		cJSON_Delete(src[i]);
	}
	free(f), free(src);
}

/* Sanitizer builds (these tests') catch a frozen list changed through a
 * pointer taken from it, when it is released. */
#if defined(__SANITIZE_ADDRESS__)
Test(jfreeze, a_changed_list_is_caught, .signal = SIGABRT)
{
	cJSON *src = cJSON_Parse("{\"a\":[1,2],\"b\":{\"c\":3}}");
	const cJSON *f = cube_json_freeze(src);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(f, "a"), cJSON_CreateNull());
	cube_json_frozen_free(f);
}

Test(jfreeze, a_changed_root_list_is_caught, .signal = SIGABRT)
{
	cJSON *src = cJSON_Parse("{\"a\":[1,2],\"b\":{\"c\":3}}");
	const cJSON *f = cube_json_freeze(src);
	cJSON_AddItemToObject((cJSON *)f, "d", cJSON_CreateNull());
	cube_json_frozen_free(f);
}
#endif
