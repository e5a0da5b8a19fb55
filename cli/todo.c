/* todo.c - commands not written yet. */
#include "cubectl.h"

static int todo(cctl *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	(void)argv;
	return cctl_fail("not implemented yet");
}

int cctl_cmd_describe(cctl *c, int argc, char **argv)
{
	return todo(c, argc, argv);
}

int cctl_cmd_why(cctl *c, int argc, char **argv)
{
	return todo(c, argc, argv);
}

int cctl_cmd_events(cctl *c, int argc, char **argv)
{
	return todo(c, argc, argv);
}

int cctl_cmd_version(cctl *c, int argc, char **argv)
{
	return todo(c, argc, argv);
}

int cctl_cmd_api_resources(cctl *c, int argc, char **argv)
{
	return todo(c, argc, argv);
}

int cctl_cmd_cluster_info(cctl *c, int argc, char **argv)
{
	return todo(c, argc, argv);
}

int cctl_cmd_config(cctl *c, int argc, char **argv)
{
	return todo(c, argc, argv);
}

int cctl_cmd_completion(cctl *c, int argc, char **argv)
{
	return todo(c, argc, argv);
}

void cctl_describe_template(cctl_tabw *tw, const cJSON *tmpl);

void cctl_describe_template(cctl_tabw *tw, const cJSON *tmpl)
{
	(void)tw;
	(void)tmpl;
}

cJSON *cctl_events_for(cctl *c, const cJSON *obj)
{
	(void)c;
	(void)obj;
	return NULL;
}
