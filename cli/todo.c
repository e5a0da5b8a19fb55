#include "cubectl.h"
#define STUB(f)                                      \
	int f(cctl *c, int argc, char **argv)        \
	{                                            \
		(void)c;                             \
		(void)argc;                          \
		(void)argv;                          \
		return cctl_fail("not implemented"); \
	}
STUB(cctl_cmd_run)
STUB(cctl_cmd_expose) STUB(cctl_cmd_scale) STUB(cctl_cmd_set) STUB(cctl_cmd_rollout)
	STUB(cctl_cmd_label) STUB(cctl_cmd_annotate) STUB(cctl_cmd_patch) STUB(cctl_cmd_cordon)
		STUB(cctl_cmd_uncordon) STUB(cctl_cmd_drain) STUB(cctl_cmd_describe)
			STUB(cctl_cmd_why) STUB(cctl_cmd_events) STUB(cctl_cmd_version)
				STUB(cctl_cmd_api_resources) STUB(cctl_cmd_cluster_info)
					STUB(cctl_cmd_config)
						STUB(cctl_cmd_completion) int cctl_create_generated(
							cctl *c, const char *kind_arg, int argc,
							char **argv)
{
	(void)c;
	(void)kind_arg;
	(void)argc;
	(void)argv;
	return cctl_fail("not implemented");
}
cJSON *cctl_events_for(cctl *c, const cJSON *obj)
{
	(void)c;
	(void)obj;
	return NULL;
}
