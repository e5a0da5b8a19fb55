/* pressure.h - what a node can give its pods, and whether it is short of
 * memory or disk, as the kubelet computes them:
 *
 *   allocatable = capacity - kube-reserved - system-reserved
 *                 - the hard eviction threshold (memory, ephemeral-storage)
 *   MemoryPressure  memory.available (MemAvailable of /proc/meminfo) is
 *                   under its --eviction-hard threshold
 *   DiskPressure    nodefs.available (statvfs of the cubelet's --root-dir)
 *                   is under its threshold
 *
 * Flags as the kubelet's: --kube-reserved / --system-reserved
 * "cpu=100m,memory=256Mi,ephemeral-storage=1Gi"; --eviction-hard
 * "memory.available<100Mi,nodefs.available<10%" (the kubelet's default;
 * other signals it accepts, imagefs.* and *.inodesFree, are read and
 * ignored: cube keeps images on the nodefs).  A threshold of 0 or "0%"
 * never fires.  cube reports the conditions; it evicts nothing. */
#ifndef CUBE_KUBELET_PRESSURE_H
#define CUBE_KUBELET_PRESSURE_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

typedef struct node_resources {
	int64_t cpu_milli;
	int64_t memory;	 /* bytes */
	int64_t storage; /* ephemeral-storage, bytes */
} node_resources;

/* A threshold: an absolute quantity (bytes >= 0, pct < 0) or a percentage
 * of the capacity (pct >= 0). */
typedef struct eviction_signal {
	int64_t bytes;
	double pct;
} eviction_signal;

typedef struct eviction_hard {
	eviction_signal memory; /* memory.available */
	eviction_signal nodefs; /* nodefs.available */
} eviction_hard;

#define EVICTION_HARD_DEFAULT "memory.available<100Mi,nodefs.available<10%"

/* "cpu=100m,memory=100Mi,ephemeral-storage=1Gi" (any subset; "" is none)
 * into r; -1 with err naming the bad entry. */
int reserved_parse(const char *s, node_resources *r, cube_err *err);

/* "memory.available<100Mi,nodefs.available<10%" into h (signals not named
 * keep no threshold); -1 with err naming the bad entry. */
int eviction_hard_parse(const char *s, eviction_hard *h, cube_err *err);

/* The threshold in bytes for a resource of `capacity` bytes. */
int64_t eviction_threshold(const eviction_signal *s, int64_t capacity);

/* capacity - kube - sys - hard (memory, storage), never below 0. */
node_resources node_allocatable(const node_resources *capacity, const node_resources *kube,
				const node_resources *sys, const eviction_hard *hard);

/* What the machine has: -1 if /proc/meminfo or statvfs(dir) cannot be read. */
typedef struct node_signals {
	int64_t mem_total, mem_available; /* bytes */
	int64_t fs_total, fs_available;	  /* bytes, of the filesystem of dir */
} node_signals;

int node_signals_read(const char *dir, node_signals *s);

/* The conditions for these signals under these thresholds. */
bool memory_pressure(const node_signals *s, const eviction_hard *h);
bool disk_pressure(const node_signals *s, const eviction_hard *h);

#endif
