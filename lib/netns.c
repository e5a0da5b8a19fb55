/* netns.c - named network namespaces (see netns.h). */
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static int check_name(const char *name, cube_err *err)
{
	size_t n = name ? strlen(name) : 0;
	bool ok = n > 0 && n <= 64 && strcmp(name, ".") && strcmp(name, "..");
	for (size_t i = 0; ok && i < n; i++) {
		char c = name[i];
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		     c == '-' || c == '_' || c == '.';
	}
	if (!ok)
		return cube_err_set(err, CUBE_EINVAL, "invalid network namespace name \"%s\"",
				    name ? name : "");
	return 0;
}

/* /run/netns as iproute2 makes it: a shared mount point, so that the bind
 * mounts under it propagate to the mount namespaces that share it. */
static int prepare_dir(cube_err *err)
{
	if (mkdir(CUBE_NETNS_DIR, 0755) < 0 && errno != EEXIST)
		return cube_err_set(err, CUBE_EIO, "mkdir %s: %s", CUBE_NETNS_DIR, strerror(errno));
	if (mount("", CUBE_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return cube_err_set(err, CUBE_EIO, "mount --make-shared %s: %s", CUBE_NETNS_DIR,
				    strerror(errno));
	/* Not a mount point yet: bind it onto itself, then share it. */
	if (mount(CUBE_NETNS_DIR, CUBE_NETNS_DIR, "none", MS_BIND | MS_REC, NULL) < 0 ||
	    mount("", CUBE_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
		return cube_err_set(err, CUBE_EIO, "mount %s: %s", CUBE_NETNS_DIR, strerror(errno));
	return 0;
}

bool cube_netns_exists(const char *name)
{
	char path[128];
	if (check_name(name, NULL) < 0)
		return false;
	snprintf(path, sizeof(path), "%s/%s", CUBE_NETNS_DIR, name);
	return access(path, F_OK) == 0;
}

typedef struct create_arg {
	const char *path;
	int rc;
	int errnum;
	const char *what;
} create_arg;

static void *create_main(void *p)
{
	create_arg *a = p;
	if (unshare(CLONE_NEWNET) < 0) {
		a->rc = -1;
		a->errnum = errno;
		a->what = "unshare";
	} else if (mount("/proc/thread-self/ns/net", a->path, "none", MS_BIND, NULL) < 0) {
		a->rc = -1;
		a->errnum = errno;
		a->what = "bind mount";
	}
	return NULL; /* the thread ends, the namespace lives on in the mount */
}

int cube_netns_create(const char *name, cube_err *err)
{
	if (check_name(name, err) < 0 || prepare_dir(err) < 0)
		return -1;
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", CUBE_NETNS_DIR, name);
	int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0)
		return cube_err_set(err, errno == EEXIST ? CUBE_EEXIST : CUBE_EIO,
				    "network namespace %s: %s", name, strerror(errno));
	close(fd);
	create_arg a = {.path = path};
	pthread_t t;
	if (pthread_create(&t, NULL, create_main, &a) != 0) {
		unlink(path);
		return cube_err_set(err, CUBE_EIO, "network namespace %s: no thread", name);
	}
	pthread_join(t, NULL);
	if (a.rc < 0) {
		unlink(path);
		return cube_err_set(err, CUBE_EIO, "network namespace %s: %s: %s", name, a.what,
				    strerror(a.errnum));
	}
	return 0;
}

int cube_netns_delete(const char *name, cube_err *err)
{
	if (check_name(name, err) < 0)
		return -1;
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", CUBE_NETNS_DIR, name);
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return cube_err_set(err, CUBE_EIO, "umount %s: %s", path, strerror(errno));
	if (unlink(path) < 0 && errno != ENOENT)
		return cube_err_set(err, CUBE_EIO, "unlink %s: %s", path, strerror(errno));
	return 0;
}

int cube_netns_open(const char *name_or_path, cube_err *err)
{
	char path[256];
	if (name_or_path && strchr(name_or_path, '/')) {
		snprintf(path, sizeof(path), "%s", name_or_path);
	} else {
		if (check_name(name_or_path, err) < 0)
			return -1;
		snprintf(path, sizeof(path), "%s/%s", CUBE_NETNS_DIR, name_or_path);
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cube_err_set(err, errno == ENOENT ? CUBE_ENOTFOUND : CUBE_EIO,
				    "network namespace %s: %s", path, strerror(errno));
	return fd;
}

typedef struct run_arg {
	int nsfd;
	int (*fn)(void *ud, cube_err *err);
	void *ud;
	cube_err *err;
	int rc;
} run_arg;

static void *run_main(void *p)
{
	run_arg *a = p;
	if (a->nsfd >= 0 && setns(a->nsfd, CLONE_NEWNET) < 0) {
		a->rc = cube_err_set(a->err, CUBE_EIO, "setns: %s", strerror(errno));
		return NULL;
	}
	a->rc = a->fn(a->ud, a->err);
	return NULL;
}

int cube_netns_run(int nsfd, int (*fn)(void *ud, cube_err *err), void *ud, cube_err *err)
{
	cube_err local = CUBE_ERR_INIT;
	run_arg a = {.nsfd = nsfd, .fn = fn, .ud = ud, .err = err ? err : &local};
	pthread_t t;
	if (pthread_create(&t, NULL, run_main, &a) != 0)
		return cube_err_set(err, CUBE_EIO, "cannot start a thread");
	pthread_join(t, NULL);
	return a.rc;
}

typedef struct sysctl_arg {
	const char *path, *value;
} sysctl_arg;

static int sysctl_in(void *ud, cube_err *err)
{
	sysctl_arg *a = ud;
	char full[256];
	if (strstr(a->path, ".."))
		return cube_err_set(err, CUBE_EINVAL, "sysctl %s: bad path", a->path);
	snprintf(full, sizeof(full), "/proc/sys/%s", a->path);
	int fd = open(full, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return cube_err_set(err, CUBE_EIO, "sysctl %s: %s", a->path, strerror(errno));
	size_t n = strlen(a->value);
	ssize_t w = write(fd, a->value, n);
	int e = errno;
	close(fd);
	if (w != (ssize_t)n)
		return cube_err_set(err, CUBE_EIO, "sysctl %s=%s: %s", a->path, a->value,
				    strerror(e));
	return 0;
}

int cube_netns_sysctl(int nsfd, const char *path, const char *value, cube_err *err)
{
	sysctl_arg a = {path, value};
	return cube_netns_run(nsfd, sysctl_in, &a, err);
}
