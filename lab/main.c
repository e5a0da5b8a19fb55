/* main.c - cube: the lab's command-line tool.  A table of commands; each
 * lives in its own file of lab/ (image.c: `cube image ...`).  The lab
 * commands (up, down, status, exec) come with the lab itself. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "http.h"
#include "lab.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{"up", cube_cmd_up, "start a multi-node cluster on this machine"},
	{"down", cube_cmd_down, "stop a lab and remove its network"},
	{"status", cube_cmd_status, "show a lab's processes and nodes"},
	{"stop", cube_cmd_stop, "stop a lab, keeping its state: cube stop [COMPONENT [NODE]]"},
	{"start", cube_cmd_start, "start a stopped lab again: cube start [COMPONENT [NODE]]"},
	{"logs", cube_cmd_logs, "a component's log: cube logs COMPONENT [NODE]"},
	{"node", cube_cmd_node, "add or remove a node: cube node add [NAME] | remove NAME"},
	{"exec", cube_cmd_exec, "run a command inside a node: cube exec NODE -- CMD"},
	{"image", cube_cmd_image, "build, push, load and list OCI images"},
	{"supervise", cube_cmd_supervise, "restart a lab's processes that die (cube up starts it)"},
};

static void usage(FILE *f)
{
	fprintf(f, "cube: the cube lab tool.\n\nUsage:\n  cube COMMAND [args]\n\nCommands:\n");
	for (size_t i = 0; i < CUBE_ARRAY_LEN(commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	cube_http_global_init();
	for (size_t i = 0; i < CUBE_ARRAY_LEN(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "cube: unknown command \"%s\" (see cube --help)\n", argv[1]);
	return 2;
}
