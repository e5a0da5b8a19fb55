/* etcd.h - an etcd v3 client over etcd's JSON gateway (/v3/...), on libcurl.
 *
 * The API server is the only cube program that talks to etcd; this is the
 * client it uses.  It speaks the gRPC-gateway's JSON (keys and values base64,
 * int64 as strings), which etcd 3.4 serves on its client port, so no gRPC
 * stack is needed.
 *
 * Threads: one cube_etcd is shared by all threads.  It keeps a pool of
 * keep-alive connections, one per concurrent request.
 *
 * Endpoints: `cube_etcd_new("http://a:2379,http://b:2379")`.  A request that
 * cannot connect moves on to the next endpoint, and later requests start from
 * the one that worked.  Reads also fail over after a timeout or a broken
 * connection; writes do not (the write may have happened), they fail with
 * CUBE_EUNAVAIL/CUBE_ETIMEOUT/CUBE_EIO and the caller decides.
 *
 * Errors: CUBE_ENOTFOUND (no such key or lease), CUBE_EEXIST (create of an
 * existing key), CUBE_ECONFLICT (mod_revision precondition failed),
 * CUBE_ECOMPACTED (revision compacted away), CUBE_EINVAL (etcd refused the
 * request: future revision, bad argument), CUBE_EUNAVAIL / CUBE_ETIMEOUT /
 * CUBE_EIO (no usable answer), CUBE_EPROTO (an answer we cannot read).
 *
 * Ownership: every result struct is filled by the call and released by its
 * _clear function; the caller owns it, also after a failure.
 */
#ifndef CUBE_ETCD_H
#define CUBE_ETCD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "error.h"

typedef struct cube_etcd cube_etcd;

typedef struct cube_etcd_kv {
	char *key; /* NUL-terminated */
	size_t key_len;
	char *value; /* NUL-terminated for convenience; may hold NULs (use value_len) */
	size_t value_len;
	int64_t create_rev;
	int64_t mod_rev;
	int64_t version;
	int64_t lease;
} cube_etcd_kv;

void cube_etcd_kv_clear(cube_etcd_kv *kv);

/* ---- client ---------------------------------------------------------------- */

/* endpoints: comma-separated base URLs. Returns NULL (with err) when the list
 * is empty or malformed, or on ENOMEM.  No connection is made yet. */
cube_etcd *cube_etcd_new(const char *endpoints, cube_err *err);

/* Frees the client and its connections. Accepts NULL. Outstanding watches
 * must have been stopped first. */
void cube_etcd_free(cube_etcd *e);

/* Per-request timeout for unary calls (default 5000 ms). */
void cube_etcd_set_timeout(cube_etcd *e, long timeout_ms);

/* The endpoint that answered last (borrowed, stable until cube_etcd_free). */
const char *cube_etcd_endpoint(cube_etcd *e);

/* ---- key-value -------------------------------------------------------------- */

typedef struct cube_etcd_range_req {
	const char *key;
	const char *range_end; /* explicit end key, or NULL */
	bool prefix;	       /* all keys starting with `prefix_of` (or key) */
	const char *prefix_of; /* with prefix: the prefix, when `key` is a later start key */
	bool after_key;	       /* start strictly after `key` (key + "\0"), for paging */
	int64_t limit;	       /* 0 = no limit */
	int64_t revision;      /* 0 = latest; else read at that revision */
	bool count_only;
	bool keys_only;
} cube_etcd_range_req;

typedef struct cube_etcd_range_resp {
	cube_etcd_kv *kvs;
	size_t n;
	int64_t count;	  /* keys in the whole range (not only the ones returned) */
	bool more;	  /* more keys beyond `limit` */
	int64_t revision; /* the store revision the read was served at */
} cube_etcd_range_resp;

void cube_etcd_range_resp_clear(cube_etcd_range_resp *r);

/* Reads a range.  To page through a prefix: first {key = prefix, prefix,
 * limit}; then {key = last key returned, after_key, prefix_of = prefix,
 * prefix, limit, revision = the first response's revision}. */
int cube_etcd_range(cube_etcd *e, const cube_etcd_range_req *req, cube_etcd_range_resp *out,
		    cube_err *err);

/* Reads one key. CUBE_ENOTFOUND if absent. `rev` (may be NULL) receives the
 * store revision. */
int cube_etcd_get(cube_etcd *e, const char *key, cube_etcd_kv *out, int64_t *rev, cube_err *err);

/* Unconditional put. lease 0 = none. `rev` (may be NULL) = the new revision. */
int cube_etcd_put(cube_etcd *e, const char *key, const char *value, size_t len, int64_t lease,
		  int64_t *rev, cube_err *err);

/* Unconditional delete of a key or a prefix. `deleted` and `rev` may be NULL. */
int cube_etcd_delete(cube_etcd *e, const char *key, bool prefix, int64_t *deleted, int64_t *rev,
		     cube_err *err);

/* ---- transactions ------------------------------------------------------------ */

typedef enum {
	CUBE_ETCD_TARGET_CREATE,
	CUBE_ETCD_TARGET_MOD,
	CUBE_ETCD_TARGET_VERSION,
	CUBE_ETCD_TARGET_VALUE
} cube_etcd_target;
typedef enum {
	CUBE_ETCD_EQUAL,
	CUBE_ETCD_GREATER,
	CUBE_ETCD_LESS,
	CUBE_ETCD_NOT_EQUAL
} cube_etcd_result;

typedef struct cube_etcd_cmp {
	const char *key;
	cube_etcd_target target;
	cube_etcd_result result;
	int64_t rev;	   /* for CREATE / MOD / VERSION */
	const char *value; /* for VALUE */
	size_t value_len;
} cube_etcd_cmp;

typedef enum { CUBE_ETCD_OP_RANGE, CUBE_ETCD_OP_PUT, CUBE_ETCD_OP_DELETE } cube_etcd_op_type;

typedef struct cube_etcd_op {
	cube_etcd_op_type type;
	const char *key;
	const char *value; /* PUT */
	size_t value_len;
	int64_t lease; /* PUT */
	bool prefix;   /* RANGE / DELETE */
} cube_etcd_op;

typedef struct cube_etcd_txn_resp {
	bool succeeded; /* the compares held: the success ops ran */
	int64_t revision;
	cube_etcd_range_resp *ranges; /* one per RANGE op of the branch that ran, in order */
	size_t n_ranges;
	int64_t deleted; /* keys deleted by DELETE ops of that branch */
} cube_etcd_txn_resp;

void cube_etcd_txn_resp_clear(cube_etcd_txn_resp *r);

/* If all compares hold, runs `success`, else `failure`. */
int cube_etcd_txn(cube_etcd *e, const cube_etcd_cmp *cmps, size_t n_cmps,
		  const cube_etcd_op *success, size_t n_success, const cube_etcd_op *failure,
		  size_t n_failure, cube_etcd_txn_resp *out, cube_err *err);

/* Create-if-absent (compare create_revision == 0).  CUBE_EEXIST if the key
 * exists; then `existing` (may be NULL) receives it.  `rev`: the new revision. */
int cube_etcd_create(cube_etcd *e, const char *key, const char *value, size_t len, int64_t lease,
		     int64_t *rev, cube_etcd_kv *existing, cube_err *err);

/* Compare-and-swap on mod_revision.  CUBE_ECONFLICT if the key's mod_revision
 * is not `expect_mod_rev` (then `current`, may be NULL, receives the key as it
 * is), CUBE_ENOTFOUND if the key is gone. */
int cube_etcd_update(cube_etcd *e, const char *key, const char *value, size_t len,
		     int64_t expect_mod_rev, int64_t *rev, cube_etcd_kv *current, cube_err *err);

/* Deletes a key if its mod_revision is `expect_mod_rev` (0: whatever it is,
 * but it must exist).  CUBE_ENOTFOUND / CUBE_ECONFLICT as above; `prev` (may
 * be NULL) receives the deleted key-value. */
int cube_etcd_delete_if(cube_etcd *e, const char *key, int64_t expect_mod_rev, cube_etcd_kv *prev,
			int64_t *rev, cube_err *err);

/* ---- leases and maintenance ------------------------------------------------- */

/* Grants a lease of `ttl` seconds; `id` receives its ID. */
int cube_etcd_lease_grant(cube_etcd *e, int64_t ttl, int64_t *id, cube_err *err);

/* Renews a lease once; `ttl` (may be NULL) receives the new TTL.
 * CUBE_ENOTFOUND if the lease has expired or was revoked. */
int cube_etcd_lease_keepalive(cube_etcd *e, int64_t id, int64_t *ttl, cube_err *err);

/* Revokes a lease, deleting its keys. CUBE_ENOTFOUND if it does not exist. */
int cube_etcd_lease_revoke(cube_etcd *e, int64_t id, cube_err *err);

/* Compacts history up to `rev`. physical: wait until it is applied. */
int cube_etcd_compact(cube_etcd *e, int64_t rev, bool physical, cube_err *err);

/* The current store revision (a cheap health check). */
int cube_etcd_revision(cube_etcd *e, int64_t *rev, cube_err *err);

/* ---- watch ------------------------------------------------------------------- */

typedef enum { CUBE_ETCD_EV_PUT, CUBE_ETCD_EV_DELETE } cube_etcd_ev_type;

typedef struct cube_etcd_event {
	cube_etcd_ev_type type;
	cube_etcd_kv kv;   /* for DELETE: key and mod_rev (the deletion's revision) only */
	cube_etcd_kv prev; /* filled when the watch asked for prev_kv and etcd had it */
	bool has_prev;
} cube_etcd_event;

/* What one watch response carries.  Exactly one of these holds:
 *  - n > 0: events, in revision order;
 *  - created: the watch is established (n may be 0);
 *  - compact_revision > 0: the start revision was compacted; the watch is over
 *    and the caller must relist (a Kubernetes server answers 410 Gone);
 *  - error != NULL: the stream broke ("etcd unavailable: ..."); the watch
 *    will reconnect from the next revision unless the callback returns < 0;
 *  - otherwise a progress notification (revision advanced, no events). */
typedef struct cube_etcd_watch_batch {
	cube_etcd_event *events;
	size_t n;
	int64_t revision; /* header revision */
	int64_t compact_revision;
	bool created;
	bool canceled;
	const char *error;
} cube_etcd_watch_batch;

/* Decodes one line of the watch stream (a gateway `{"result":...}` or
 * `{"error":...}` document) into `out`.  Exposed for the fuzzer and tests.
 * Returns 0 or -1 with CUBE_EPROTO. Release with cube_etcd_watch_batch_clear. */
int cube_etcd_watch_decode(const cJSON *doc, cube_etcd_watch_batch *out, cube_err *err);
void cube_etcd_watch_batch_clear(cube_etcd_watch_batch *b);

typedef struct cube_etcd_watch_opts {
	const char *key;
	bool prefix;
	int64_t start_rev; /* 0 = from now */
	bool prev_kv;
	bool progress_notify;
} cube_etcd_watch_opts;

/* Receives each batch. Return 0 to go on, <0 to end the watch. */
typedef int (*cube_etcd_watch_fn)(void *ud, const cube_etcd_watch_batch *b);

/* Watches, blocking, on the calling thread.  Reconnects after errors (with
 * back-off 100 ms doubling to 2 s, trying each endpoint) from the revision
 * after the last one delivered, so no event is lost or repeated.  Returns:
 *   0                  when *cancel became non-zero or the callback returned <0;
 *   -1 CUBE_ECOMPACTED when the revision to resume from was compacted (after
 *                      the callback saw the batch with compact_revision);
 *   -1 other           on a bad request (for example a future revision). */
int cube_etcd_watch(cube_etcd *e, const cube_etcd_watch_opts *opts, cube_etcd_watch_fn fn, void *ud,
		    atomic_int *cancel, cube_err *err);

/* A watch on its own thread. start: the callback runs on that thread.
 * stop: cancels, joins (within about a second) and frees; accepts NULL. */
typedef struct cube_etcd_watcher cube_etcd_watcher;
cube_etcd_watcher *cube_etcd_watcher_start(cube_etcd *e, const cube_etcd_watch_opts *opts,
					   cube_etcd_watch_fn fn, void *ud, cube_err *err);
/* Returns the watch's final status: 0, or -1 and its error in `err`. */
int cube_etcd_watcher_stop(cube_etcd_watcher *w, cube_err *err);
/* Non-zero once the watch has ended by itself (compaction or a fatal error). */
bool cube_etcd_watcher_done(cube_etcd_watcher *w);

#endif
