/* kubeconfig.h - where a component finds its API server and credentials:
 * a kubeconfig file read as kubectl reads it, or a bare --master URL.
 *
 * Loading follows client-go's clientcmd:
 *   - the file given (--kubeconfig) must exist; without one, $KUBECONFIG, a
 *     colon-separated list of files merged so that the first file to define
 *     a cluster, context or user (by name) or a current-context wins, with
 *     missing files skipped; without $KUBECONFIG, ~/.kube/config;
 *   - the context is the one asked for, else current-context; it names a
 *     cluster (server, certificate-authority or -data, insecure-skip-tls-verify,
 *     tls-server-name) and a user (token or tokenFile, client-certificate or
 *     -data, client-key or -data, username/password);
 *   - relative file names are relative to the directory of the kubeconfig
 *     file that holds them;
 *   - clientcmd's checks apply: a client certificate or key given both as a
 *     file and as *-data, a certificate without a key (or the reverse), a CA
 *     with insecure-skip-tls-verify, token plus basic auth, or a named file
 *     that cannot be read, are errors; certificate-authority-data wins over
 *     certificate-authority, as in client-go's transport;
 *   - a context that names no user has no credentials (a plain-HTTP lab);
 *     one that names a missing user is an error;
 *   - string fields take numbers and booleans as text, as sigs.k8s.io/yaml
 *     gives them to Go string fields (so a context named `y` is "true").
 * A *-data field is base64-decoded into a private temporary file (mode 0600,
 * in $TMPDIR or /tmp) because libcurl takes file names; cube_kubeconfig_free
 * removes them.  exec and auth-provider plugins are not supported (ignored).
 *
 * Errors name the file(s) and what is missing or wrong:
 *   kubeconfig /x/config: context "foo" not found
 *   kubeconfig /x/config: no current-context
 *   kubeconfig /x/config: cluster "c" has no server
 * with CUBE_ENOTFOUND for a missing file, context, cluster or user,
 * CUBE_EINVAL for malformed content, CUBE_ETOOBIG for a file over 16 MiB,
 * CUBE_EIO, CUBE_ENOMEM.
 */
#ifndef CUBE_KUBECONFIG_H
#define CUBE_KUBECONFIG_H

#include "error.h"
#include "http.h"

typedef struct cube_kubeconfig {
	char *server;	       /* the API server's URL */
	char *context;	       /* the context used; NULL from cube_kubeconfig_from_master */
	char *namespace;       /* the context's namespace, "default" if it names none */
	char *token;	       /* bearer token (token, else tokenFile's trimmed content), or NULL */
	cube_http_tls tls;     /* CA, client certificate and key files (absolute, or as given
				  when absolute already); insecure-skip-tls-verify */
	char *tls_server_name; /* tls-server-name, or NULL */
	char *username;	       /* basic auth, or NULL */
	char *password;
	/* private */
	char *_ca, *_cert, *_key; /* the strings tls points to */
	char *_tmp[3];		  /* temporary files written from *-data; unlinked by _free */
} cube_kubeconfig;

/* Loads a kubeconfig.  path NULL (or ""): $KUBECONFIG, else ~/.kube/config.
 * context NULL (or ""): the current-context.  Returns a new config (free it
 * with cube_kubeconfig_free), or NULL with err. */
cube_kubeconfig *cube_kubeconfig_load(const char *path, const char *context, cube_err *err)
	__attribute__((warn_unused_result));

/* For --master URL without a kubeconfig: server = url (http:// or https://),
 * namespace "default", no credentials.  NULL with err (CUBE_EINVAL) if url
 * is not such a URL. */
cube_kubeconfig *cube_kubeconfig_from_master(const char *url, cube_err *err)
	__attribute__((warn_unused_result));

/* Removes the temporary files and frees everything. Accepts NULL. */
void cube_kubeconfig_free(cube_kubeconfig *k);

#endif
