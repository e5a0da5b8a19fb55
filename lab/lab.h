/* lab.h - the cube tool's commands.  Each takes its argv (argv[0] is the
 * command's name) and returns the exit status: 0 done, 1 failed, 2 bad
 * flags or arguments (with a one-line message on stderr). */
#ifndef CUBE_LAB_H
#define CUBE_LAB_H

/* cube image build|push|load|pull|ls|rm ... (image.c) */
int cube_cmd_image(int argc, char **argv);

#endif
