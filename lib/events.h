/* events.h - recording Kubernetes Events, as client-go's EventRecorder.
 *
 *   cube_event(rec, pod, "Normal", "Scheduled", "Successfully assigned %s/%s to %s", ...);
 *
 * Events are written by a background thread, so recording never blocks a
 * controller.  Repeats of the same event (same object, type, reason, message
 * and source) within the recorder's memory become one Event whose count goes
 * up and whose lastTimestamp moves (a PATCH), as Kubernetes' EventCorrelator
 * does; and when an object keeps getting events of one type and reason with
 * different messages (more than 10 within 10 minutes), they are aggregated
 * into one "(combined from similar events): ..." Event.  The queue is
 * bounded (events beyond it are dropped and counted), so a storm cannot eat
 * memory.
 */
#ifndef CUBE_EVENTS_H
#define CUBE_EVENTS_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "error.h"
#include "kclient.h"

typedef struct cube_recorder cube_recorder;

/* component: "default-scheduler", "kubelet", ...; host: the node, or NULL. */
cube_recorder *cube_recorder_new(cube_kclient *c, const char *component, const char *host,
				 cube_err *err);

/* Writes what is queued (up to 5 s) and frees. Accepts NULL. */
void cube_recorder_free(cube_recorder *r);

/* Records an event about `obj` (a full object: kind, apiVersion, metadata;
 * borrowed). type is "Normal" or "Warning". */
void cube_event(cube_recorder *r, const cJSON *obj, const char *type, const char *reason,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Counters for tests and /metrics. */
typedef struct cube_recorder_stats {
	uint64_t created, updated, dropped, failed;
} cube_recorder_stats;
void cube_recorder_get_stats(cube_recorder *r, cube_recorder_stats *out);

#endif
