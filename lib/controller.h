/* controller.h - the controller pattern of Kubernetes, once for every cube
 * component: informer handlers enqueue an object's key, workers pop keys and
 * call one sync(key) that compares desired with observed state and acts.
 *
 *   cube_controller *c = cube_controller_new(&(cube_controller_config){
 *       .name = "replicaset", .workers = 4, .sync = rs_sync, .ud = ctx}, &err);
 *   cube_informer_add_handlers(rs_informer, &(cube_informer_handlers){...enqueue...});
 *   cube_controller_run(c, informers, n, &err);   // waits for them to sync
 *
 * A key is never synced by two workers at once (the work queue's promise).
 * A sync that fails is retried with the queue's back-off (5 ms doubling to
 * 1000 s, under a 10 qps / burst 100 bucket), up to max_retries (then the key
 * is dropped and logged, as client-go controllers do; 0 = retry forever); a
 * sync that succeeds resets the key's back-off.
 */
#ifndef CUBE_CONTROLLER_H
#define CUBE_CONTROLLER_H

#include <stddef.h>

#include "error.h"
#include "informer.h"
#include "workqueue.h"

/* Returns 0 when done, <0 (err filled) to be retried with back-off. */
typedef int (*cube_sync_fn)(void *ud, const char *key, cube_err *err);

typedef struct cube_controller_config {
	const char *name; /* for logs */
	int workers;	  /* default 1 */
	cube_sync_fn sync;
	void *ud;
	int max_retries;		 /* 0: forever */
	cube_workqueue_limiter *limiter; /* NULL: the default controller limiter; taken */
	/* NULL: keys in the order queued; else by priority (cube_workqueue_opts) */
	int64_t (*priority)(void *ud, const char *key);
	void *priority_ud;
} cube_controller_config;

typedef struct cube_controller cube_controller;

cube_controller *cube_controller_new(const cube_controller_config *cfg, cube_err *err);

/* Queues a key (thread-safe; from handlers). */
void cube_controller_enqueue(cube_controller *c, const char *key);
void cube_controller_enqueue_after(cube_controller *c, const char *key, int64_t delay_ms);

/* Handlers that enqueue the key of every added, updated and deleted object. */
cube_informer_handlers cube_controller_handlers(cube_controller *c);

/* Waits until `informers` have synced (timeout_ms; 0 = forever), then starts
 * the workers. Returns 0, or -1 (CUBE_ETIMEOUT, CUBE_EIO). */
int cube_controller_run(cube_controller *c, cube_informer *const *informers, size_t n,
			int timeout_ms, cube_err *err);

/* Stops taking new keys (enqueues are ignored from now on), lets the
 * workers finish the keys they hold and joins them; the controller stays
 * valid, so handlers and other controllers may still call enqueue on it
 * until it is freed.  Call it from one thread.  Accepts NULL. */
void cube_controller_shutdown(cube_controller *c);

/* cube_controller_shutdown (if not done yet), then frees. Accepts NULL. */
void cube_controller_free(cube_controller *c);

/* The work queue (for metrics). */
cube_workqueue *cube_controller_queue(cube_controller *c);
/* Its name (cfg.name), for logs and metrics labels. */
const char *cube_controller_name(const cube_controller *c);

#endif
