/* util.h - what several controllers need: pod state as Kubernetes judges it
 * (active, ready, available, which pod to delete first), owner references,
 * pods made from templates, template hashes, expectations, and claiming
 * (adopting and releasing) the objects a selector matches.
 *
 * All functions are thread-safe; objects passed in are borrowed.
 */
#ifndef CUBE_CM_UTIL_H
#define CUBE_CM_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "cm.h"
#include "controller.h"
#include "informer.h"
#include "selector.h"

/* ---- pods ---------------------------------------------------------------------- */

/* Not Succeeded or Failed, and not being deleted (Kubernetes' IsPodActive). */
bool cm_pod_active(const cJSON *pod);
/* The Ready condition is True. */
bool cm_pod_ready(const cJSON *pod);
/* Ready for at least min_ready_s seconds at `now` (epoch seconds). */
bool cm_pod_available(const cJSON *pod, int64_t min_ready_s, double now);
/* Seconds until a ready pod becomes available (0 if it is, -1 if not ready). */
double cm_pod_available_in(const cJSON *pod, int64_t min_ready_s, double now);
/* Order for deletion, as Kubernetes' ActivePods: <0 when a should go before
 * b: unassigned before assigned; Pending before Unknown before Running; not
 * ready before ready; ready for less time first; more restarts first; newer
 * first. */
int cm_pod_deletion_cmp(const cJSON *a, const cJSON *b);

/* ---- owners -------------------------------------------------------------------------- */

/* The ownerReference with controller: true, or NULL. */
const cJSON *cm_controller_ref(const cJSON *obj);
/* If obj's controller is of `kind`, writes its key ("ns/name") to buf. */
bool cm_controller_key(const cJSON *obj, const char *kind, char *buf, size_t size);
/* {"apiVersion","kind","name","uid","controller":true,"blockOwnerDeletion":true} */
cJSON *cm_owner_ref(const cJSON *owner, const char *api_version, const char *kind);

/* ---- templates ------------------------------------------------------------------------ */

/* A new object of apiVersion/kind with the template's metadata (labels,
 * annotations) and spec, in the owner's namespace, with the owner as its
 * controller; named `name`, or generateName "<owner>-" when name is NULL. */
cJSON *cm_from_template(const cJSON *tmpl, const char *api_version, const char *kind,
			const cJSON *owner, const char *owner_api_version, const char *owner_kind,
			const char *name);
/* FNV-1a (32 bits) over the normalised template's canonical JSON (keys
 * sorted; cm_template_normal), then the
 * collision count if non-zero, encoded as Kubernetes encodes pod-template-hash
 * (the decimal digits mapped onto "bcdfghjklmnpqrstvwxz2456789"). */
void cm_template_hash(const cJSON *tmpl, int64_t collision_count, char *buf, size_t size);
/* A copy of the template without the pod-template-hash label, nulls, empty
 * lists and empty maps (what Kubernetes' typed comparison cannot see). */
cJSON *cm_template_normal(const cJSON *tmpl);
/* Equal templates once normalised (cm_template_normal). */
bool cm_templates_equal(const cJSON *a, const cJSON *b);

/* ---- expectations ----------------------------------------------------------------------- */

/* How many creates and deletes a controller still waits to see for a key,
 * so that it does not act twice while its own writes are in flight.
 * Expectations older than 5 minutes count as satisfied (a lost watch event
 * must not stall a controller forever). */
typedef struct cm_expectations cm_expectations;
cm_expectations *cm_expectations_new(void);
void cm_expectations_free(cm_expectations *e);
void cm_expect(cm_expectations *e, const char *key, int adds, int dels);
void cm_expect_observed(cm_expectations *e, const char *key, int adds, int dels);
bool cm_expectations_satisfied(cm_expectations *e, const char *key);
void cm_expectations_forget(cm_expectations *e, const char *key);

/* ---- claiming ----------------------------------------------------------------------------- */

typedef struct cm_claim_spec {
	cm *m;
	const cube_gvr *gvr;		 /* the dependents' resource */
	const cJSON *owner;		 /* the controller object */
	const char *owner_api_version;	 /* "apps/v1" */
	const char *owner_kind;		 /* "ReplicaSet" */
	const cube_labelsel *selector;	 /* the owner's selector */
	bool (*extra)(const cJSON *obj); /* optional filter (e.g. active pods) */
} cm_claim_spec;

/* From `objs` (the namespace's objects of gvr), returns (in *out, new
 * references) those the owner controls after adopting matching orphans and
 * releasing owned objects that no longer match, as Kubernetes'
 * ControllerRefManager.  An owner being deleted adopts nothing.  Returns the
 * count, or -1 with err. */
long cm_claim(const cm_claim_spec *s, cube_robj **objs, size_t n, cube_robj ***out, cube_err *err);

/* ---- handlers -----------------------------------------------------------------------------------
 */

/* Handlers for a dependent resource (pods, ReplicaSets) that enqueue its
 * controller of `kind` into ctl; for an orphan, every owner in `owners`
 * (same namespace) whose spec.selector matches it, so it can be adopted.
 * If `observe` is set, adds and deletes are reported to the expectations. */
typedef struct cm_owner_enqueuer {
	cube_controller *ctl;
	const char *kind;
	cube_informer *owners;
	cm_expectations *observe;
} cm_owner_enqueuer;
cube_informer_handlers cm_owner_handlers(cm_owner_enqueuer *oe);

/* Pods (or other objects) of the owner's namespace: new references. */
size_t cm_list_namespace(cube_informer *inf, const char *ns, cube_robj ***out);

/* Wall-clock seconds since the epoch. */
double cm_now(void);

/* ---- conditions
 * ---------------------------------------------------------------------------------- */

/* status.conditions of a status object, made an (empty) array if it is
 * missing or not one.  Borrowed from status; NULL on ENOMEM. */
cJSON *cm_conditions(cJSON *status);

/* Best effort: gives a pod the condition DisruptionTarget=True with
 * reason and message (as Kubernetes does before deleting it for the
 * cluster's sake: taint eviction, pod GC), unless it has one. */
void cm_mark_disruption(cm *m, const cJSON *pod, const char *reason, const char *message);

/* ---- pod control ----------------------------------------------------------------------------- */

/* Creates `pod` in the owner's namespace and records Kubernetes' pod
 * control events on the owner: Normal SuccessfulCreate "Created pod: <name>",
 * or Warning FailedCreate "Error creating: <why>".  Returns the created pod
 * (a new object), or NULL with err. */
cJSON *cm_create_pod(cm *m, cube_recorder *rec, const cJSON *owner, const cJSON *pod,
		     cube_err *err);

/* Deletes `pod` (guarded by its uid) and records Normal SuccessfulDelete
 * "Deleted pod: <name>" or Warning FailedDelete "Error deleting: <why>" on
 * the owner.  Returns 0, 1 if the pod was already gone (no event), or -1
 * with err. */
int cm_delete_pod(cm *m, cube_recorder *rec, const cJSON *owner, const cJSON *pod, cube_err *err);

#endif

/* ---- batches
 * ------------------------------------------------------------------------------------------ */

/* Kubernetes' slowStartBatch: calls fn(ud, i) for i in 0..n-1 in batches of
 * 1, 2, 4, ... (each batch in parallel, up to 16 threads), stopping after
 * the first batch in which a call fails.  Returns how many succeeded; the
 * first failure's error is left in err. */
typedef int (*cm_batch_fn)(void *ud, long i, cube_err *err);
long cm_slow_start(long n, cm_batch_fn fn, void *ud, cube_err *err);
/* All n calls at once (up to 16 threads); returns how many succeeded. */
long cm_parallel(long n, cm_batch_fn fn, void *ud, cube_err *err);
