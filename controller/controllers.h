/* controllers.h - the init function of every controller in the table (cm.c).
 * Each lives in its own file: replicaset.c, deployment.c, gc.c, ... */
#ifndef CUBE_CONTROLLERS_H
#define CUBE_CONTROLLERS_H

#include "cm.h"

int replicaset_init(cm *m, cube_err *err);
int deployment_init(cm *m, cube_err *err);
int gc_init(cm *m, cube_err *err);
int daemonset_init(cm *m, cube_err *err);
int statefulset_init(cm *m, cube_err *err);
int job_init(cm *m, cube_err *err);
int cronjob_init(cm *m, cube_err *err);
int endpoints_init(cm *m, cube_err *err);
int nodelifecycle_init(cm *m, cube_err *err);
int namespace_init(cm *m, cube_err *err);
int podgc_init(cm *m, cube_err *err);
int nodeipam_init(cm *m, cube_err *err);

#endif
