/* controller.c - workers over a rate-limited work queue (see controller.h). */
#include "controller.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct cube_controller {
	cube_controller_config cfg;
	char *name;
	cube_workqueue *q;
	pthread_t *threads;
	int n_threads;
	bool stopped;
};

cube_controller *cube_controller_new(const cube_controller_config *cfg, cube_err *err)
{
	cube_controller *c = calloc(1, sizeof(*c));
	if (!c || !(c->name = strdup(cfg->name ? cfg->name : "controller"))) {
		free(c);
		cube_workqueue_limiter_free(cfg->limiter);
		cube_err_set(err, CUBE_ENOMEM, "out of memory");
		return NULL;
	}
	c->cfg = *cfg;
	c->cfg.name = c->name;
	if (c->cfg.workers < 1)
		c->cfg.workers = 1;
	cube_workqueue_opts qo = {.limiter = cfg->limiter,
				  .priority = cfg->priority,
				  .priority_ud = cfg->priority_ud};
	c->q = cube_workqueue_new(&qo, err);
	if (!c->q) {
		free(c->name);
		free(c);
		return NULL;
	}
	return c;
}

cube_workqueue *cube_controller_queue(cube_controller *c)
{
	return c->q;
}

const char *cube_controller_name(const cube_controller *c)
{
	return c->name ? c->name : "";
}

void cube_controller_enqueue(cube_controller *c, const char *key)
{
	cube_err err = CUBE_ERR_INIT;
	if (cube_workqueue_add(c->q, key, &err) < 0 && !cube_workqueue_shutting_down(c->q))
		cube_log_warn("%s: cannot queue %s: %s", c->name, key, err.msg);
}

void cube_controller_enqueue_after(cube_controller *c, const char *key, int64_t delay_ms)
{
	cube_err err = CUBE_ERR_INIT;
	if (cube_workqueue_add_after(c->q, key, delay_ms, &err) < 0 &&
	    !cube_workqueue_shutting_down(c->q))
		cube_log_warn("%s: cannot queue %s: %s", c->name, key, err.msg);
}

static void h_add(void *ud, cube_robj *o)
{
	cube_controller_enqueue(ud, o->key);
}

static void h_update(void *ud, cube_robj *old, cube_robj *cur)
{
	(void)old;
	cube_controller_enqueue(ud, cur->key);
}

static void h_delete(void *ud, cube_robj *o)
{
	cube_controller_enqueue(ud, o->key);
}

cube_informer_handlers cube_controller_handlers(cube_controller *c)
{
	return (cube_informer_handlers){
		.on_add = h_add, .on_update = h_update, .on_delete = h_delete, .ud = c};
}

static void *worker(void *arg)
{
	cube_controller *c = arg;
	const char *key;
	while ((key = cube_workqueue_get(c->q))) {
		cube_err err = CUBE_ERR_INIT;
		if (c->cfg.sync(c->cfg.ud, key, &err) == 0) {
			cube_workqueue_forget(c->q, key);
		} else if (c->cfg.max_retries &&
			   cube_workqueue_num_requeues(c->q, key) >= c->cfg.max_retries) {
			cube_log_warn("%s: dropping %s after %d retries: %s", c->name, key,
				      c->cfg.max_retries, err.msg);
			cube_workqueue_forget(c->q, key);
		} else {
			cube_log_debug("%s: retrying %s: %s", c->name, key, err.msg);
			cube_workqueue_add_rate_limited(c->q, key, NULL);
		}
		cube_workqueue_done(c->q, key);
	}
	return NULL;
}

int cube_controller_run(cube_controller *c, cube_informer *const *informers, size_t n,
			int timeout_ms, cube_err *err)
{
	for (size_t i = 0; i < n; i++)
		if (!cube_informer_wait_synced(informers[i], timeout_ms ? timeout_ms : -1))
			return cube_err_set(err, CUBE_ETIMEOUT, "%s: informers did not sync",
					    c->name);
	c->threads = calloc((size_t)c->cfg.workers, sizeof(*c->threads));
	if (!c->threads)
		return cube_err_set(err, CUBE_ENOMEM, "out of memory");
	for (int i = 0; i < c->cfg.workers; i++) {
		if (pthread_create(&c->threads[i], NULL, worker, c) != 0)
			return cube_err_set(err, CUBE_EIO, "%s: cannot start worker %d", c->name,
					    i);
		c->n_threads++;
	}
	return 0;
}

void cube_controller_shutdown(cube_controller *c)
{
	if (!c || c->stopped)
		return;
	c->stopped = true;
	cube_workqueue_shutdown_with_drain(c->q);
	for (int i = 0; i < c->n_threads; i++)
		pthread_join(c->threads[i], NULL);
	c->n_threads = 0;
}

void cube_controller_free(cube_controller *c)
{
	if (!c)
		return;
	cube_controller_shutdown(c);
	free(c->threads);
	cube_workqueue_free(c->q);
	free(c->name);
	free(c);
}
