/* jfreeze.h - immutable JSON trees in compact, shared storage.
 *
 * Caches hold many objects that are alike: the pods of one ReplicaSet have
 * the same labels, ownerReferences and containers.  A frozen tree is an
 * ordinary cJSON tree (read it with every cJSON and obj.h reader) stored so
 * that such parts are kept once:
 *   - the root node and its members live in one allocation with their
 *     strings;
 *   - every other list of members or elements (the `child` chain of an
 *     object or array, with its nodes' keys and strings) is hash-consed
 *     process-wide: identical chains, compared after their own children were
 *     hash-consed, are one reference-counted allocation, whoever froze them;
 *   - well-known Kubernetes keys and values ("metadata", "name", "TCP") point
 *     to static strings instead of copies.
 * Siblings link only among themselves, so a chain can be reached from the
 * nodes of any number of trees.  Nodes carry no flags (no cJSON_IsReference
 * or cJSON_StringIsConst), so cJSON_Duplicate of a frozen tree is an ordinary,
 * independent tree.
 *
 * A frozen tree must never be modified and never be given to cJSON_Delete
 * (or any cJSON call that adds, detaches, replaces or deletes items): it is
 * released with cube_json_frozen_free only.  Thread-safe.
 */
#ifndef CUBE_JFREEZE_H
#define CUBE_JFREEZE_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* An immutable copy of `src` (which stays the caller's), or NULL on ENOMEM.
 * Its print equals src's; the root's own key (src->string) is not kept. */
const cJSON *cube_json_freeze(const cJSON *src);

/* Releases a tree made by cube_json_freeze; shared parts go when their last
 * user does.  Accepts NULL. */
void cube_json_frozen_free(const cJSON *frozen);

/* The shared chains alive in this process, and the bytes they take
 * (allocation sizes, without malloc's own headers). */
typedef struct cube_json_frozen_stats {
	size_t chains;
	size_t bytes;
	size_t roots;	   /* trees alive */
	size_t root_bytes; /* their own allocations */
} cube_json_frozen_stats;
void cube_json_frozen_get_stats(cube_json_frozen_stats *out);

#endif
