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

#endif
