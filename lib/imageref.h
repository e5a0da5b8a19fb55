/* imageref.h - container image references as Docker and Kubernetes read
 * them ("nginx", "web:v1", "localhost:5000/team/app:1.2@sha256:...").
 *
 * A reference is [domain/]path[:tag][@digest].  The domain is the first
 * component when it has a '.' or ':' or is "localhost"; otherwise it is
 * docker.io, and a one-component path gets "library/" in front.  No tag and
 * no digest means ":latest".  Pure functions; no allocation.
 */
#ifndef CUBE_IMAGEREF_H
#define CUBE_IMAGEREF_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define CUBE_IMAGEREF_MAX 256

typedef struct cube_imageref {
	char domain[CUBE_IMAGEREF_MAX]; /* "docker.io", "localhost:5000" */
	char path[CUBE_IMAGEREF_MAX];	/* "library/nginx" */
	char tag[130];			/* "latest" (empty when only a digest was given) */
	char digest[80];		/* "sha256:<64 hex>" or "" */
} cube_imageref;

/* Parses and normalises; -1 with err naming what is wrong. */
int cube_imageref_parse(const char *s, cube_imageref *out, cube_err *err);

/* "domain/path:tag" or "domain/path@digest" (the digest wins). */
int cube_imageref_string(const cube_imageref *r, char *buf, size_t size);

/* The short form Docker prints: docker.io/library/ dropped ("nginx:latest"). */
int cube_imageref_familiar(const cube_imageref *r, char *buf, size_t size);

/* Kubernetes' default imagePullPolicy for an image as written: Always when
 * the tag is "latest" or there is neither tag nor digest, else IfNotPresent
 * (also for a reference that does not parse, as Kubernetes ignores the
 * error). */
const char *cube_imageref_default_pull_policy(const char *image);

#endif
