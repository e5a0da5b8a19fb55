/* leaderelect.h - leader election on a coordination.k8s.io/v1 Lease, as
 * client-go's leaderelection package does it.
 *
 * Several copies of a component (two schedulers, two controller-managers)
 * each run one; exactly one holds the Lease and acts.  A candidate takes the
 * Lease when it is free or when its holder has not renewed it for
 * lease_duration (measured on the candidate's own clock from the moment it
 * last saw the record change, so clock skew between machines does not
 * matter).  The leader renews every retry period; if it cannot renew for
 * renew_deadline it stops leading (on_stopped is called) before anyone else
 * can take over.  Defaults as Kubernetes: 15 s, 10 s, 2 s.
 *
 * Writes are compare-and-swap on the Lease's resourceVersion, so two
 * candidates can never both believe they won the same term.
 */
#ifndef CUBE_LEADERELECT_H
#define CUBE_LEADERELECT_H

#include <stdbool.h>

#include "error.h"
#include "kclient.h"

typedef struct cube_leader_config {
	cube_kclient *client;
	const char *ns;		      /* default "kube-system" */
	const char *name;	      /* the Lease's name, e.g. "kube-scheduler" */
	const char *identity;	      /* this candidate; NULL: "<host>_<pid>" */
	int lease_ms;		      /* default 15000 */
	int renew_deadline_ms;	      /* default 10000 */
	int retry_ms;		      /* default 2000 */
	bool release_on_stop;	      /* give the Lease up on stop (default true when set) */
	void (*on_started)(void *ud); /* became leader */
	void (*on_stopped)(void *ud); /* lost or gave up leadership */
	void (*on_new_leader)(void *ud, const char *identity); /* observed holder changed */
	void *ud;
} cube_leader_config;

typedef struct cube_leader cube_leader;

/* Starts campaigning on a thread of its own. Strings are copied. */
cube_leader *cube_leader_start(const cube_leader_config *cfg, cube_err *err);

bool cube_leader_is_leader(cube_leader *l);

/* The holder last observed ("" if none); copied into buf. */
void cube_leader_holder(cube_leader *l, char *buf, size_t size);

/* Stops campaigning (releasing the Lease if configured and leading). Accepts NULL. */
void cube_leader_stop(cube_leader *l);

/* RFC 3339 with microseconds, as Kubernetes' MicroTime: "2026-11-25T23:07:06.123456Z". */
void cube_micro_time(char *buf, size_t size);

#endif
