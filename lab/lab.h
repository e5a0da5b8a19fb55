/* lab.h - the cube tool's commands.  Each takes its argv (argv[0] is the
 * command's name) and returns the exit status: 0 done, 1 failed, 2 bad
 * flags or arguments (with a one-line message on stderr). */
#ifndef CUBE_LAB_H
#define CUBE_LAB_H

/* cube image build|push|load|pull|ls|rm ... (image.c) */
int cube_cmd_image(int argc, char **argv);

/* cube up|down|status|exec (up.c): the multi-node lab */
int cube_cmd_up(int argc, char **argv);
int cube_cmd_down(int argc, char **argv);
int cube_cmd_status(int argc, char **argv);
int cube_cmd_exec(int argc, char **argv);
int cube_cmd_stop(int argc, char **argv);
int cube_cmd_start(int argc, char **argv);
int cube_cmd_logs(int argc, char **argv);
int cube_cmd_node(int argc, char **argv);

int cube_cmd_supervise(int argc, char **argv);

/* ---- supervise.c: how the lab starts, records and restarts its processes ---- */
#include <stdbool.h>
#include <sys/types.h>

/* Starts argv (inside network namespace `netns` when not NULL) in a session
 * of its own, output appended to DIR/logs/<proc>.log; records its PID in
 * DIR/run/<proc>.pid and how to start it again in DIR/run/<proc>.cmd.
 * Returns the PID, -1 with errno on failure. */
pid_t lab_spawn(const char *dir, const char *proc, const char *netns, char *const *argv);
/* Starts proc again from DIR/run/<proc>.cmd (-1 if there is none). */
pid_t lab_respawn(const char *dir, const char *proc);
/* The PID in DIR/run/<proc>.pid, 0 if none. */
pid_t lab_read_pid(const char *dir, const char *proc);
/* True if pid runs (a zombie does not; a child of ours that ended is reaped). */
bool lab_proc_alive(pid_t pid);
/* The lab's lock (DIR/run/lock), held by the supervisor while it looks and
 * by whoever stops a process; returns the fd to pass to lab_unlock. */
int lab_lock(const char *dir);
void lab_unlock(int fd);
/* Starts the lab's supervisor (`cube supervise --dir DIR`) unless it runs;
 * returns its PID or -1. */
pid_t lab_start_supervisor(const char *dir);

#endif
