/* proc.h - process and shell helpers shared by the test harnesses, the
 * integration tests and the benchmarks: start a program that dies with the
 * test, stop it by its PID, run shell and kubectl command lines. */
#ifndef CUBE_TEST_PROC_H
#define CUBE_TEST_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

void cube_test_sleep_ms(long ms);

/* Prints the last few KiB of a log file to stderr (for failure reports). */
void cube_test_print_tail(const char *path);

/* Starts `argv` (argv[0] a path, or a name looked up in PATH when `search`)
 * with stdout+stderr appended to `log`, in a child that dies with the test
 * (PR_SET_PDEATHSIG); returns its PID or -1. */
pid_t cube_test_spawn(const char *const *argv, const char *log, bool search);

/* SIGTERM, then SIGKILL after `grace_ms`; reaps. Accepts pid <= 0. */
void cube_test_kill(pid_t pid, int grace_ms);

/* Runs a shell command line, capturing stdout+stderr (up to size-1 bytes)
 * into out; returns the exit status (or -1). */
int cube_test_sh(char *out, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Runs `timeout 60 $CUBE_TEST_KUBECTL <args>` (the harness exports the
 * kubectl command line with its kubeconfig and cache dir); returns its exit
 * status, output in out. */
int cube_test_kubectl(char *out, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Is `line` one whole line of `out`? */
bool cube_test_has_line(const char *out, const char *line);

/* How many lines out has (a last line without '\n' counts). */
int cube_test_count_lines(const char *out);

/* Splits line i (0-based) of out into up to max blank-separated words
 * (copied into buf, which w points into); returns the word count, or -1
 * past the last line. */
/* Reads at most size-1 bytes of path into buf (empty if it cannot be read). */
void cube_test_read_file(const char *path, char *buf, size_t size);

/* Makes a fresh directory $TMPDIR/<prefix>.XXXXXX (default /tmp) into dir.
 * Returns 0, or -1 (dir holds the template). */
int cube_test_temp_dir(char *dir, size_t size, const char *prefix);

/* rm -rf dir. */
void cube_test_remove_dir(const char *dir);

/* SIGTERM to the PID written in path (by a shell the test started with
 * `echo $! > path`); nothing if the file holds no PID. */
void cube_test_stop_pid_file(const char *path);

int cube_test_words(const char *out, int i, char *buf, size_t size, char **w, int max);

#endif
