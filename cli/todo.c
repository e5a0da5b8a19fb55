#include "cubectl.h"
#define STUB(f)                                      \
	int f(cctl *c, int argc, char **argv)        \
	{                                            \
		(void)c;                             \
		(void)argc;                          \
		(void)argv;                          \
		return cctl_fail("not implemented"); \
	}
STUB(cctl_cmd_describe)
STUB(cctl_cmd_why) STUB(cctl_cmd_events) STUB(cctl_cmd_version) STUB(cctl_cmd_api_resources)
	STUB(cctl_cmd_cluster_info) STUB(cctl_cmd_config)
		STUB(cctl_cmd_completion) cJSON *cctl_events_for(cctl *c, const cJSON *obj)
{
	(void)c;
	(void)obj;
	return NULL;
}
void cctl_describe_template(cctl_tabw *tw, const cJSON *tmpl);
void cctl_describe_template(cctl_tabw *tw, const cJSON *tmpl)
{
	(void)tw;
	(void)tmpl;
}
