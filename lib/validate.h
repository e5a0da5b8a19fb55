/* validate.h - Kubernetes' name and label validators, with its messages.
 *
 * Each returns true when the value is valid; otherwise false and, if `msg`
 * is not NULL, the exact text Kubernetes gives (apimachinery's
 * validation.IsDNS1123Subdomain and friends), so that cube's 422 errors read
 * like a real cluster's:
 *   a lowercase RFC 1123 subdomain must consist of lower case alphanumeric ...
 */
#ifndef CUBE_VALIDATE_H
#define CUBE_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#define CUBE_DNS1123_LABEL_MAX 63
#define CUBE_DNS1123_SUBDOMAIN_MAX 253

bool cube_valid_dns1123_label(const char *s, char *msg, size_t size);
bool cube_valid_dns1123_subdomain(const char *s, char *msg, size_t size);
bool cube_valid_dns1035_label(const char *s, char *msg, size_t size);

/* A name usable as one URL path segment: not "." or "..", no '/' or '%'. */
bool cube_valid_path_segment(const char *s, char *msg, size_t size);

/* A label value: empty, or up to 63 characters [A-Za-z0-9][-A-Za-z0-9_.]* ending alphanumeric. */
bool cube_valid_label_value(const char *s, char *msg, size_t size);

#endif
