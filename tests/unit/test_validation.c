/* test_validation.c - api_validate() against Kubernetes v1.32's messages.
 *
 * One test per rule: each builds an object (single-quoted JSON turned into
 * JSON by q()), defaults it with api_default() as the server does, validates
 * it and checks the exact cause: reason, field path and message body as
 * field.Error renders them.  The last tests check the aggregated 422 message
 * (errors.NewInvalid + ErrorList.ToAggregate) and the causes' JSON.
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apiserver/defaults.h"
#include "apiserver/resources.h"
#include "apiserver/validation.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static char *q(const char *s)
{
	char *d = strdup(s);
	cr_assert_not_null(d);
	for (char *p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

static cJSON *parse(const char *single_quoted)
{
	char *s = q(single_quoted);
	cJSON *o = cJSON_Parse(s);
	cr_assert_not_null(o, "bad test JSON: %s", s);
	free(s);
	return o;
}

static const api_resource *res(const char *plural)
{
	for (size_t i = 0; i < api_resources_len; i++)
		if (!strcmp(api_resources[i].plural, plural))
			return &api_resources[i];
	cr_assert_fail("no resource %s", plural);
	return NULL;
}

/* Defaults (unless raw) and validates obj, against old on update. */
static api_causes run(const char *plural, const char *obj, const char *old, bool raw)
{
	const api_resource *r = res(plural);
	cJSON *o = parse(obj), *od = old ? parse(old) : NULL;
	if (!raw) {
		cr_assert_eq(api_default(r, o), 0);
		if (od)
			cr_assert_eq(api_default(r, od), 0);
	}
	api_causes c = {0};
	int n = api_validate(r, o, od, &c);
	cr_assert_eq(n, (int)c.n, "api_validate returned %d for %zu causes", n, c.n);
	cJSON_Delete(o);
	cJSON_Delete(od);
	return c;
}

static api_causes validate(const char *plural, const char *obj)
{
	return run(plural, obj, NULL, false);
}

static api_causes update(const char *plural, const char *obj, const char *old)
{
	return run(plural, obj, old, false);
}

static void dump_to(const api_causes *c, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < c->n && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "\n  %s | %s | %s", c->v[i].reason,
				      c->v[i].field, c->v[i].message);
}

static void expect_at(const api_causes *c, size_t i, const char *reason, const char *field,
		      const char *message)
{
	char all[8192];
	dump_to(c, all, sizeof(all));
	cr_assert_lt(i, c->n, "no cause %zu; got:%s", i, all);
	cr_expect_str_eq(c->v[i].reason, reason, "cause %zu; got:%s", i, all);
	cr_expect_str_eq(c->v[i].field, field, "cause %zu; got:%s", i, all);
	cr_expect_str_eq(c->v[i].message, message, "cause %zu; got:%s", i, all);
}

/* Exactly one cause, and it is this one; frees the list. */
static void expect_one(api_causes *c, const char *reason, const char *field, const char *message)
{
	char all[8192];
	dump_to(c, all, sizeof(all));
	cr_assert_eq(c->n, 1, "want 1 cause, got %zu:%s", c->n, all);
	expect_at(c, 0, reason, field, message);
	api_causes_clear(c);
}

static void expect_none(api_causes *c)
{
	char all[8192];
	dump_to(c, all, sizeof(all));
	cr_assert_eq(c->n, 0, "want no causes, got %zu:%s", c->n, all);
	api_causes_clear(c);
}

#define REQ "FieldValueRequired"
#define INV "FieldValueInvalid"
#define UNS "FieldValueNotSupported"
#define DUP "FieldValueDuplicate"
#define FORB "FieldValueForbidden"
#define LONG "FieldValueTooLong"
#define NOTF "FieldValueNotFound"

#define SUBDOMAIN_MSG                                                                             \
	"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' " \
	"or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "     \
	"regex used for validation is "                                                           \
	"'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define LABEL_MSG                                                                                \
	"a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', " \
	"and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', " \
	"regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
#define DNS1035_MSG                                                                               \
	"a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with " \
	"an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "   \
	"'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
#define QNAME_NAME_MSG                                                                            \
	"name part must consist of alphanumeric characters, '-', '_' or '.', and must start and " \
	"end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex " \
	"used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define LABEL_VALUE_MSG                                                                          \
	"a valid label must be an empty string or consist of alphanumeric characters, '-', '_' " \
	"or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "    \
	"'my_value',  or '12345', regex used for validation is "                                 \
	"'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

/* Object builders (single-quoted JSON). */
#define NSMETA(name) "'metadata':{'name':'" name "','namespace':'default'}"
#define POD(spec) "{'apiVersion':'v1','kind':'Pod'," NSMETA("p") ",'spec':" spec "}"
#define CTR(extra) "{'name':'c','image':'nginx'" extra "}"
#define POD1(extra) POD("{'containers':[" CTR(extra) "]}")
#define TEMPLATE(labels, spec) "{'metadata':{'labels':" labels "},'spec':" spec "}"
#define APP_X "{'app':'x'}"
#define CTRS "{'containers':[" CTR("") "]}"
#define DEPLOY(spec) "{'apiVersion':'apps/v1','kind':'Deployment'," NSMETA("d") ",'spec':" spec "}"
#define DEPLOY_OK(extra) \
	DEPLOY("{'selector':{'matchLabels':" APP_X "},'template':" TEMPLATE(APP_X, CTRS) extra "}")
#define JOB_META "'metadata':{'name':'j','namespace':'default','uid':'u-1'}"
#define JOB(spec) "{'apiVersion':'batch/v1','kind':'Job'," JOB_META ",'spec':" spec "}"
#define JOB_TEMPLATE(restart) "{'spec':{'restartPolicy':'" restart "','containers':[" CTR("") "]}}"
#define CRONJOB(schedule, extra)                                                                  \
	"{'apiVersion':'batch/v1','kind':'CronJob'," NSMETA(                                      \
		"cj") ",'spec':{'schedule':'" schedule                                            \
		      "','jobTemplate':{'spec':{'template':" JOB_TEMPLATE("OnFailure") "}}" extra \
										       "}}"
#define SVC(spec) "{'apiVersion':'v1','kind':'Service'," NSMETA("s") ",'spec':" spec "}"
#define INGRESS(path)                                                    \
	"{'apiVersion':'networking.k8s.io/v1','kind':'Ingress'," NSMETA( \
		"i") ",'spec':{'rules':[{'host':'example.com','http':{'paths':[" path "]}}]}}"
#define BACKEND "'backend':{'service':{'name':'web','port':{'number':80}}}"

/* ---- metadata ------------------------------------------------------------------------------- */

Test(validation, valid_pod_has_no_causes)
{
	api_causes c = validate("pods", POD1(""));
	expect_none(&c);
}

Test(validation, name_must_be_dns_subdomain)
{
	api_causes c = validate(
		"pods", "{'metadata':{'name':'My_Pod','namespace':'default'},'spec':" CTRS "}");
	expect_one(&c, INV, "metadata.name", "Invalid value: \"My_Pod\": " SUBDOMAIN_MSG);
}

Test(validation, name_too_long_gives_two_messages)
{
	char name[300];
	memset(name, 'a', 254);
	name[254] = '\0';
	char obj[600];
	snprintf(obj, sizeof(obj), "{'metadata':{'name':'%s','namespace':'default'},'spec':%s}",
		 name, CTRS);
	api_causes c = validate("pods", obj);
	cr_assert_eq(c.n, 1);
	cr_expect(strstr(c.v[0].message, ": must be no more than 253 characters"));
	api_causes_clear(&c);
}

Test(validation, namespace_name_must_be_dns_label)
{
	api_causes c = validate("namespaces", "{'metadata':{'name':'team.a'}}");
	expect_one(&c, INV, "metadata.name", "Invalid value: \"team.a\": " LABEL_MSG);
}

Test(validation, service_name_must_be_dns1035_label)
{
	api_causes c = validate("services", "{'metadata':{'name':'1web','namespace':'default'},"
					    "'spec':{'ports':[{'port':80}]}}");
	expect_one(&c, INV, "metadata.name", "Invalid value: \"1web\": " DNS1035_MSG);
}

Test(validation, event_name_must_be_path_segment)
{
	api_causes c = validate(
		"events", "{'metadata':{'name':'a/b','namespace':'default'},"
			  "'involvedObject':{'kind':'Pod','name':'p','namespace':'default'}}");
	expect_one(&c, INV, "metadata.name", "Invalid value: \"a/b\": may not contain '/'");
}

Test(validation, statefulset_name_must_be_dns_label)
{
	api_causes c = validate("statefulsets",
				"{'metadata':{'name':'web.v1','namespace':'default'},'spec':{"
				"'selector':{'matchLabels':" APP_X
				"},'template':" TEMPLATE(APP_X, CTRS) "}}");
	expect_one(&c, INV, "metadata.name", "Invalid value: \"web.v1\": " LABEL_MSG);
}

Test(validation, name_or_generate_name_required)
{
	api_causes c = validate("pods", "{'metadata':{'namespace':'default'},'spec':" CTRS "}");
	expect_one(&c, REQ, "metadata.name", "Required value: name or generateName is required");
}

Test(validation, generate_name_may_end_with_dash_but_is_checked)
{
	api_causes c = validate("pods", "{'metadata':{'generateName':'web-','name':'web-x7k2q',"
					"'namespace':'default'},'spec':" CTRS "}");
	expect_none(&c);
	c = validate("pods", "{'metadata':{'generateName':'Web-','name':'web-x7k2q',"
			     "'namespace':'default'},'spec':" CTRS "}");
	expect_one(&c, INV, "metadata.generateName", "Invalid value: \"Web-\": " SUBDOMAIN_MSG);
}

Test(validation, namespace_required_for_namespaced_kinds)
{
	api_causes c = validate("configmaps", "{'metadata':{'name':'cm'}}");
	expect_one(&c, REQ, "metadata.namespace", "Required value");
}

Test(validation, namespace_forbidden_for_cluster_scoped_kinds)
{
	api_causes c = validate("nodes", "{'metadata':{'name':'n1','namespace':'default'}}");
	expect_one(&c, FORB, "metadata.namespace", "Forbidden: not allowed on this type");
}

Test(validation, label_keys_are_qualified_names)
{
	api_causes c = validate("configmaps", "{'metadata':{'name':'cm','namespace':'default',"
					      "'labels':{'-app':'x'}}}");
	expect_one(&c, INV, "metadata.labels", "Invalid value: \"-app\": " QNAME_NAME_MSG);
}

Test(validation, label_key_prefix_must_be_subdomain)
{
	api_causes c = validate("configmaps", "{'metadata':{'name':'cm','namespace':'default',"
					      "'labels':{'Example.com/app':'x'}}}");
	expect_one(&c, INV, "metadata.labels",
		   "Invalid value: \"Example.com/app\": prefix part " SUBDOMAIN_MSG);
}

Test(validation, label_values_are_label_values)
{
	api_causes c = validate("configmaps", "{'metadata':{'name':'cm','namespace':'default',"
					      "'labels':{'app':'web server'}}}");
	expect_one(&c, INV, "metadata.labels", "Invalid value: \"web server\": " LABEL_VALUE_MSG);
}

Test(validation, annotation_keys_are_qualified_names_in_any_case)
{
	api_causes c =
		validate("configmaps", "{'metadata':{'name':'cm','namespace':'default',"
				       "'annotations':{'Example.COM/Note':'ok','bad key':'x'}}}");
	expect_one(&c, INV, "metadata.annotations", "Invalid value: \"bad key\": " QNAME_NAME_MSG);
}

Test(validation, annotations_total_size_at_most_256k)
{
	size_t big = 256 * 1024;
	char *val = malloc(big + 1);
	cr_assert_not_null(val);
	memset(val, 'x', big);
	val[big] = '\0';
	cJSON *o = parse("{'metadata':{'name':'cm','namespace':'default'}}");
	cJSON *ann = cJSON_AddObjectToObject(cJSON_GetObjectItem(o, "metadata"), "annotations");
	cr_assert_not_null(cJSON_AddStringToObject(ann, "k", val));
	free(val);
	api_causes c = {0};
	cr_assert_eq(api_validate(res("configmaps"), o, NULL, &c), 1);
	cJSON_Delete(o);
	expect_one(&c, LONG, "metadata.annotations", "Too long: may not be more than 262144 bytes");
}

Test(validation, finalizers_qualified_and_known)
{
	api_causes c =
		validate("configmaps", "{'metadata':{'name':'cm','namespace':'default',"
				       "'finalizers':['kubernetes','example.com/x','cleanup']}}");
	expect_one(
		&c, INV, "metadata.finalizers[2]",
		"Invalid value: \"cleanup\": name is neither a standard finalizer name nor is it "
		"fully qualified");
	c = validate("configmaps", "{'metadata':{'name':'cm','namespace':'default',"
				   "'finalizers':['a/b/c']}}");
	cr_assert_eq(c.n, 1);
	expect_at(
		&c, 0, INV, "metadata.finalizers",
		"Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric "
		"characters, '-', '_' or '.', and must start and end with an alphanumeric "
		"character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation "
		"is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain "
		"prefix and '/' (e.g. 'example.com/MyName')");
	api_causes_clear(&c);
}

Test(validation, finalizers_orphan_and_foreground_conflict)
{
	api_causes c = validate("configmaps", "{'metadata':{'name':'cm','namespace':'default',"
					      "'finalizers':['orphan','foregroundDeletion']}}");
	expect_one(
		&c, INV, "metadata.finalizers",
		"Invalid value: []string{\"orphan\", \"foregroundDeletion\"}: finalizer orphan and "
		"foregroundDeletion cannot be both set");
}

Test(validation, metadata_name_immutable_on_update)
{
	api_causes c = update("configmaps", "{'metadata':{'name':'b','namespace':'default'}}",
			      "{'metadata':{'name':'a','namespace':'default'}}");
	expect_one(&c, INV, "metadata.name", "Invalid value: \"b\": field is immutable");
}

/* ---- pod spec ------------------------------------------------------------------------------- */

Test(validation, containers_required)
{
	api_causes c = validate("pods", POD("{'containers':[]}"));
	expect_one(&c, REQ, "spec.containers", "Required value");
}

Test(validation, container_name_is_dns_label)
{
	api_causes c = validate("pods", POD("{'containers':[{'name':'Web','image':'nginx'}]}"));
	expect_one(&c, INV, "spec.containers[0].name", "Invalid value: \"Web\": " LABEL_MSG);
}

Test(validation, container_names_unique_across_init_containers)
{
	api_causes c = validate("pods",
				POD("{'containers':[" CTR("") "],'initContainers':[" CTR("") "]}"));
	expect_one(&c, DUP, "spec.initContainers[0].name", "Duplicate value: \"c\"");
	c = validate("pods", POD("{'containers':[" CTR("") "," CTR("") "]}"));
	expect_one(&c, DUP, "spec.containers[1].name", "Duplicate value: \"c\"");
}

Test(validation, image_required)
{
	api_causes c = validate("pods", POD("{'containers':[{'name':'c'}]}"));
	expect_one(&c, REQ, "spec.containers[0].image", "Required value");
}

Test(validation, container_port_range)
{
	api_causes c = validate("pods", POD1(",'ports':[{'containerPort':70000}]"));
	expect_one(&c, INV, "spec.containers[0].ports[0].containerPort",
		   "Invalid value: 70000: must be between 1 and 65535, inclusive");
	c = validate("pods", POD1(",'ports':[{'containerPort':0,'name':'web'}]"));
	expect_one(&c, REQ, "spec.containers[0].ports[0].containerPort", "Required value");
}

Test(validation, host_port_range)
{
	api_causes c = validate("pods", POD1(",'ports':[{'containerPort':80,'hostPort':-1}]"));
	expect_one(&c, INV, "spec.containers[0].ports[0].hostPort",
		   "Invalid value: -1: must be between 1 and 65535, inclusive");
}

Test(validation, port_protocol_values)
{
	api_causes c = validate("pods", POD1(",'ports':[{'containerPort':80,'protocol':'tcp'}]"));
	expect_one(&c, UNS, "spec.containers[0].ports[0].protocol",
		   "Unsupported value: \"tcp\": supported values: \"SCTP\", \"TCP\", \"UDP\"");
}

Test(validation, port_names_unique_and_iana)
{
	api_causes c = validate("pods", POD1(",'ports':[{'containerPort':80,'name':'http'},"
					     "{'containerPort':81,'name':'http'}]"));
	expect_one(&c, DUP, "spec.containers[0].ports[1].name", "Duplicate value: \"http\"");
	c = validate("pods", POD1(",'ports':[{'containerPort':80,'name':'8080'}]"));
	expect_one(&c, INV, "spec.containers[0].ports[0].name",
		   "Invalid value: \"8080\": must contain at least one letter (a-z)");
}

Test(validation, host_ports_conflict_across_containers)
{
	api_causes c = validate(
		"pods", POD("{'containers':[" CTR(",'ports':[{'containerPort':80,'hostPort':8080}"
						  "]") ","
						       "{'name':'d','image':'nginx','ports':[{'"
						       "containerPort':81,'hostPort':8080}]}]}"));
	expect_one(&c, DUP, "spec.containers[1].ports[0].hostPort",
		   "Duplicate value: \"TCP//8080\"");
}

Test(validation, env_var_names_relaxed)
{
	api_causes c = validate("pods", POD1(",'env':[{'name':'my.var-1','value':'x'},"
					     "{'name':'A=B','value':'y'}]"));
	expect_one(&c, INV, "spec.containers[0].env[1].name",
		   "Invalid value: \"A=B\": a valid environment variable name must consist only of "
		   "printable ASCII characters other than '='");
	c = validate("pods", POD1(",'env':[{'value':'y'}]"));
	expect_one(&c, REQ, "spec.containers[0].env[0].name", "Required value");
}

Test(validation, env_value_from_one_source)
{
	api_causes c = validate(
		"pods",
		POD1(",'env':[{'name':'A','valueFrom':{'fieldRef':{'fieldPath':'metadata.name'},"
		     "'secretKeyRef':{'name':'s','key':'k'}}}]"));
	expect_one(&c, INV, "spec.containers[0].env[0].valueFrom",
		   "Invalid value: \"\": may not have more than one field specified at a time");
	c = validate(
		"pods",
		POD1(",'env':[{'name':'A','valueFrom':{'fieldRef':{'fieldPath':'spec.host2'}}}]"));
	expect_one(&c, INV, "spec.containers[0].env[0].valueFrom.fieldRef.fieldPath",
		   "Invalid value: \"spec.host2\": error converting fieldPath: field label not "
		   "supported: spec.host2");
}

Test(validation, resources_limit_at_least_request)
{
	api_causes c = validate("pods",
				POD1(",'resources':{'limits':{'cpu':'1'},'requests':{'cpu':'2'}}"));
	expect_one(&c, INV, "spec.containers[0].resources.requests",
		   "Invalid value: \"2\": must be less than or equal to cpu limit of 1");
}

Test(validation, resources_quantities_non_negative)
{
	api_causes c = validate("pods", POD1(",'resources':{'requests':{'memory':'-1Gi'}}"));
	expect_one(&c, INV, "spec.containers[0].resources.requests[memory]",
		   "Invalid value: \"-1Gi\": must be greater than or equal to 0");
}

Test(validation, resources_names_standard_or_qualified)
{
	api_causes c = validate("pods", POD1(",'resources':{'limits':{'gpu':'1'}}"));
	cr_assert_eq(c.n, 4); /* the limit is also copied into requests */
	expect_at(&c, 0, INV, "spec.containers[0].resources.limits[gpu]",
		  "Invalid value: \"gpu\": must be a standard resource type or fully qualified");
	expect_at(&c, 1, INV, "spec.containers[0].resources.limits[gpu]",
		  "Invalid value: \"gpu\": must be a standard resource for containers");
	expect_at(&c, 3, INV, "spec.containers[0].resources.requests[gpu]",
		  "Invalid value: \"gpu\": must be a standard resource for containers");
	api_causes_clear(&c);
	c = validate("pods", POD1(",'resources':{'limits':{'example.com/gpu':'1'}}"));
	expect_none(&c);
}

Test(validation, resources_quantities_must_parse)
{
	api_causes c = validate("pods", POD1(",'resources':{'requests':{'cpu':'1 core'}}"));
	expect_one(&c, INV, "spec.containers[0].resources.requests[cpu]",
		   "Invalid value: \"1 core\": quantities must match the regular expression "
		   "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
}

Test(validation, restart_policy_values)
{
	api_causes c =
		validate("pods", POD("{'restartPolicy':'Sometimes','containers':[" CTR("") "]}"));
	expect_one(&c, UNS, "spec.restartPolicy",
		   "Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", "
		   "\"Never\"");
}

Test(validation, dns_policy_values)
{
	api_causes c = validate("pods", POD("{'dnsPolicy':'Google','containers':[" CTR("") "]}"));
	expect_one(&c, UNS, "spec.dnsPolicy",
		   "Unsupported value: \"Google\": supported values: \"ClusterFirstWithHostNet\", "
		   "\"ClusterFirst\", \"Default\", \"None\"");
	c = validate("pods", POD("{'dnsPolicy':'None','containers':[" CTR("") "]}"));
	expect_one(&c, REQ, "spec.dnsConfig",
		   "Required value: must provide `dnsConfig` when `dnsPolicy` is None");
}

Test(validation, image_pull_policy_values)
{
	api_causes c = validate("pods", POD1(",'imagePullPolicy':'Sometimes'"));
	expect_one(&c, UNS, "spec.containers[0].imagePullPolicy",
		   "Unsupported value: \"Sometimes\": supported values: \"Always\", "
		   "\"IfNotPresent\", \"Never\"");
}

Test(validation, probe_exactly_one_handler)
{
	api_causes c = validate("pods", POD1(",'livenessProbe':{'exec':{'command':['true']},"
					     "'tcpSocket':{'port':80}}"));
	expect_one(&c, FORB, "spec.containers[0].livenessProbe.tcpSocket",
		   "Forbidden: may not specify more than 1 handler type");
	c = validate("pods", POD1(",'readinessProbe':{'periodSeconds':5}"));
	expect_one(&c, REQ, "spec.containers[0].readinessProbe",
		   "Required value: must specify a handler type");
}

Test(validation, probe_numbers)
{
	api_causes c = validate("pods", POD1(",'readinessProbe':{'httpGet':{'port':80},"
					     "'initialDelaySeconds':-5}"));
	expect_one(&c, INV, "spec.containers[0].readinessProbe.initialDelaySeconds",
		   "Invalid value: -5: must be greater than or equal to 0");
	c = validate("pods", POD1(",'livenessProbe':{'httpGet':{'port':80},'successThreshold':2}"));
	expect_one(&c, INV, "spec.containers[0].livenessProbe.successThreshold",
		   "Invalid value: 2: must be 1");
	c = validate("pods", POD1(",'startupProbe':{'httpGet':{'port':'web-port-name-too-long'}}"));
	expect_one(&c, INV, "spec.containers[0].startupProbe.httpGet.port",
		   "Invalid value: \"web-port-name-too-long\": must be no more than 15 characters");
}

Test(validation, lifecycle_sleep_within_grace_period)
{
	api_causes c = validate("pods", POD1(",'lifecycle':{'preStop':{'sleep':{'seconds':60}}}"));
	expect_one(
		&c, INV, "spec.containers[0].lifecycle.preStop.sleep",
		"Invalid value: 60: must be greater than 0 and less than "
		"terminationGracePeriodSeconds (30). Enable AllowPodLifecycleSleepActionZeroValue "
		"feature gate for zero sleep.");
}

Test(validation, volume_names_unique)
{
	api_causes c =
		validate("pods", POD("{'containers':[" CTR("") "],'volumes':[{'name':'data'},"
							       "{'name':'data'}]}"));
	expect_one(&c, DUP, "spec.volumes[1].name", "Duplicate value: \"data\"");
}

Test(validation, volume_exactly_one_source)
{
	api_causes c = validate("pods", POD("{'containers':[" CTR(
						"") "],'volumes':[{'name':'v',"
						    "'emptyDir':{},'configMap':{'name':'cm'}}]}"));
	expect_one(&c, FORB, "spec.volumes[0].configMap",
		   "Forbidden: may not specify more than 1 volume type");
	c = validate("pods",
		     POD("{'containers':[" CTR("") "],'volumes':[{'name':'v','secret':{}}]}"));
	expect_one(&c, REQ, "spec.volumes[0].secret.secretName", "Required value");
}

Test(validation, volume_mounts_name_a_volume)
{
	api_causes c =
		validate("pods", POD1(",'volumeMounts':[{'name':'data','mountPath':'/data'}]"));
	expect_one(&c, NOTF, "spec.containers[0].volumeMounts[0].name", "Not found: \"data\"");
}

Test(validation, volume_mounts_need_mount_path)
{
	api_causes c = validate(
		"pods",
		POD("{'containers':[" CTR(",'volumeMounts':[{'name':'v'}]") "],"
									    "'volumes':[{'name':'v'"
									    ",'emptyDir':{}}]}"));
	expect_one(&c, REQ, "spec.containers[0].volumeMounts[0].mountPath", "Required value");
}

Test(validation, node_selector_is_a_label_map)
{
	api_causes c = validate(
		"pods", POD("{'nodeSelector':{'disk':'fast ssd'},'containers':[" CTR("") "]}"));
	expect_one(&c, INV, "spec.nodeSelector", "Invalid value: \"fast ssd\": " LABEL_VALUE_MSG);
}

Test(validation, node_affinity_operators)
{
	api_causes c = validate(
		"pods", POD("{'containers':[" CTR("") "],'affinity':{'nodeAffinity':{"
						      "'requiredDuringSchedulingIgnoredDuringExecut"
						      "ion':{'nodeSelectorTerms':[{"
						      "'matchExpressions':[{'key':'zone','operator'"
						      ":'Gt','values':['1','2']}]}]}}}}"));
	expect_one(
		&c, REQ,
		"spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
		"nodeSelectorTerms[0].matchExpressions[0].values",
		"Required value: must be specified single value when `operator` is 'Lt' or 'Gt'");
	c = validate("pods",
		     POD("{'containers':[" CTR(
			     "") "],'affinity':{'podAntiAffinity':{"
				 "'preferredDuringSchedulingIgnoredDuringExecution':[{'weight':200,"
				 "'podAffinityTerm':{'topologyKey':'zone'}}]}}}"));
	expect_one(
		&c, INV,
		"spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]."
		"weight",
		"Invalid value: 200: must be in the range 1-100");
}

Test(validation, toleration_operator_and_effect)
{
	api_causes c = validate("pods", POD("{'containers':[" CTR("") "],'tolerations':[{'key':'k',"
								      "'operator':'In'}]}"));
	expect_one(&c, UNS, "spec.tolerations[0].operator",
		   "Unsupported value: \"In\": supported values: \"Equal\", \"Exists\"");
	c = validate("pods",
		     POD("{'containers':[" CTR("") "],'tolerations':[{'key':'k',"
						   "'operator':'Exists','effect':'NoRun'}]}"));
	expect_one(&c, UNS, "spec.tolerations[0].effect",
		   "Unsupported value: \"NoRun\": supported values: \"NoSchedule\", "
		   "\"PreferNoSchedule\", \"NoExecute\"");
	c = validate(
		"pods",
		POD("{'containers':[" CTR(
			"") "],'tolerations':[{'key':'k',"
			    "'operator':'Exists','effect':'NoSchedule','tolerationSeconds':5}]}"));
	expect_one(&c, INV, "spec.tolerations[0].effect",
		   "Invalid value: \"NoSchedule\": effect must be 'NoExecute' when "
		   "`tolerationSeconds` is set");
}

Test(validation, termination_grace_period_required_and_negative_read_as_one)
{
	api_causes c = run("pods",
			   POD("{'restartPolicy':'Always','dnsPolicy':'ClusterFirst','containers':["
			       "{'name':'c','image':'nginx','imagePullPolicy':'Always',"
			       "'terminationMessagePolicy':'File'}]}"),
			   NULL, true);
	expect_one(&c, REQ, "spec.terminationGracePeriodSeconds", "Required value");
	/* Kubernetes does not reject a negative value: a Pod reads it as 1. */
	c = validate("pods",
		     POD("{'terminationGracePeriodSeconds':-5,'containers':[" CTR("") "]}"));
	expect_none(&c);
}

Test(validation, host_network_ports_must_match)
{
	api_causes c =
		validate("pods", POD("{'hostNetwork':true,'containers':[" CTR(
					 ",'ports':[{'containerPort':80,'hostPort':8080}]") "]}"));
	expect_one(&c, INV, "spec.containers[0].ports[0].hostPort",
		   "Invalid value: 8080: must match `containerPort` when `hostNetwork` is true");
}

Test(validation, pod_update_may_change_only_images)
{
	const char *old = POD("{'containers':[" CTR(",'imagePullPolicy':'Always'") "]}");
	api_causes c = update("pods",
			      POD("{'containers':[{'name':'c','image':'nginx:1.27','"
				  "imagePullPolicy':'Always'}]}"),
			      old);
	expect_none(&c);
	c = update("pods",
		   POD("{'containers':[" CTR(",'imagePullPolicy':'Always'") "],'hostname':'web'}"),
		   old);
	cr_assert_eq(c.n, 1);
	cr_expect_str_eq(c.v[0].reason, FORB);
	cr_expect_str_eq(c.v[0].field, "spec");
	cr_expect(!strncmp(c.v[0].message,
			   "Forbidden: pod updates may not change fields other than "
			   "`spec.containers[*].image`,",
			   82));
	api_causes_clear(&c);
	c = update("pods", POD("{'containers':[]}"), old);
	expect_at(&c, 1, FORB, "spec.containers",
		  "Forbidden: pod updates may not add or remove containers");
	api_causes_clear(&c);
}

/* ---- workloads ------------------------------------------------------------------------------- */

Test(validation, valid_deployment)
{
	api_causes c = validate("deployments", DEPLOY_OK(""));
	expect_none(&c);
}

Test(validation, deployment_selector_required)
{
	/* A nil selector is also labels.Nothing(), which matches no template. */
	api_causes c = validate("deployments", DEPLOY("{'template':" TEMPLATE(APP_X, CTRS) "}"));
	cr_assert_eq(c.n, 2);
	expect_at(&c, 0, REQ, "spec.selector", "Required value");
	expect_at(&c, 1, INV, "spec.template.metadata.labels",
		  "Invalid value: map[string]string{\"app\":\"x\"}: `selector` does not match "
		  "template `labels`");
	api_causes_clear(&c);
}

Test(validation, deployment_selector_not_empty)
{
	api_causes c = validate("deployments",
				DEPLOY("{'selector':{},'template':" TEMPLATE(APP_X, CTRS) "}"));
	expect_one(
		&c, INV, "spec.selector",
		"Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
		"MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid "
		"for deployment");
}

Test(validation, selector_must_match_template_labels)
{
	api_causes c =
		validate("deployments", DEPLOY("{'selector':{'matchLabels':" APP_X
					       "},'template':" TEMPLATE("{'app':'y'}", CTRS) "}"));
	expect_one(&c, INV, "spec.template.metadata.labels",
		   "Invalid value: map[string]string{\"app\":\"y\"}: `selector` does not match "
		   "template `labels`");
}

Test(validation, selector_expressions_are_validated)
{
	api_causes c = validate("deployments",
				DEPLOY("{'selector':{'matchExpressions':[{'key':'app','operator':'"
				       "In'}]},'template':" TEMPLATE(APP_X, CTRS) "}"));
	cr_assert_eq(c.n, 2);
	expect_at(&c, 0, REQ, "spec.selector.matchExpressions[0].values",
		  "Required value: must be specified when `operator` is 'In' or 'NotIn'");
	expect_at(&c, 1, INV, "spec.selector",
		  "Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
		  "MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{"
		  "Key:\"app\", Operator:\"In\", Values:[]string(nil)}}}: invalid label selector");
	api_causes_clear(&c);
}

Test(validation, apps_templates_restart_always_only)
{
	api_causes c = validate(
		"deployments",
		DEPLOY("{'selector':{'matchLabels':" APP_X "},'template':" TEMPLATE(
			APP_X, "{'restartPolicy':'Never','containers':[" CTR("") "]}") "}"));
	expect_one(&c, UNS, "spec.template.spec.restartPolicy",
		   "Unsupported value: \"Never\": supported values: \"Always\"");
}

Test(validation, deployment_template_pod_spec_validated)
{
	api_causes c = validate("deployments",
				DEPLOY("{'selector':{'matchLabels':" APP_X "},'template':" TEMPLATE(
					APP_X, "{'containers':[{'name':'c'}]}") "}"));
	expect_one(&c, REQ, "spec.template.spec.containers[0].image", "Required value");
}

Test(validation, replicas_non_negative)
{
	api_causes c = validate("deployments", DEPLOY_OK(",'replicas':-1"));
	expect_one(&c, INV, "spec.replicas",
		   "Invalid value: -1: must be greater than or equal to 0");
}

Test(validation, deployment_strategy_type_values)
{
	api_causes c = validate("deployments", DEPLOY_OK(",'strategy':{'type':'BlueGreen'}"));
	expect_one(&c, UNS, "spec.strategy",
		   "Unsupported value: apps.DeploymentStrategy{Type:\"BlueGreen\", "
		   "RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "
		   "\"Recreate\", \"RollingUpdate\"");
	c = validate("deployments",
		     DEPLOY_OK(",'strategy':{'type':'Recreate','rollingUpdate':{}}"));
	expect_one(&c, FORB, "spec.strategy.rollingUpdate",
		   "Forbidden: may not be specified when strategy `type` is 'Recreate'");
}

Test(validation, max_surge_int_or_percent)
{
	api_causes c = validate("deployments",
				DEPLOY_OK(",'strategy':{'rollingUpdate':{'maxSurge':'50'}}"));
	expect_one(
		&c, INV, "spec.strategy.rollingUpdate.maxSurge",
		"Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"50\"}: a valid "
		"percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or "
		"'93%', regex used for validation is '[0-9]+%')");
	c = validate("deployments",
		     DEPLOY_OK(",'strategy':{'rollingUpdate':{'maxUnavailable':'150%'}}"));
	expect_one(
		&c, INV, "spec.strategy.rollingUpdate.maxUnavailable",
		"Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"150%\"}: must not be "
		"greater than 100%");
}

Test(validation, max_surge_and_max_unavailable_not_both_zero)
{
	api_causes c = validate("deployments", DEPLOY_OK(",'strategy':{'rollingUpdate':{"
							 "'maxSurge':0,'maxUnavailable':0}}"));
	expect_one(&c, INV, "spec.strategy.rollingUpdate.maxUnavailable",
		   "Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}: may not be 0 "
		   "when "
		   "`maxSurge` is 0");
}

Test(validation, revision_history_limit_non_negative)
{
	api_causes c = validate("deployments", DEPLOY_OK(",'revisionHistoryLimit':-2"));
	expect_one(&c, INV, "spec.revisionHistoryLimit",
		   "Invalid value: -2: must be greater than or equal to 0");
}

Test(validation, progress_deadline_after_min_ready)
{
	api_causes c = validate("deployments",
				DEPLOY_OK(",'minReadySeconds':600,'progressDeadlineSeconds':600"));
	expect_one(&c, INV, "spec.progressDeadlineSeconds",
		   "Invalid value: 600: must be greater than minReadySeconds");
}

Test(validation, deployment_selector_immutable)
{
	const char *old = DEPLOY_OK("");
	api_causes c = update("deployments",
			      DEPLOY("{'selector':{'matchLabels':{'app':'y'}},'template':" TEMPLATE(
				      "{'app':'y'}", CTRS) "}"),
			      old);
	expect_one(&c, INV, "spec.selector",
		   "Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"y\"}, "
		   "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable");
	c = update("deployments", DEPLOY_OK(",'replicas':5"), old);
	expect_none(&c);
}

Test(validation, replicaset_selector_rules)
{
	api_causes c = validate(
		"replicasets",
		"{'metadata':{'name':'rs','namespace':'default'},"
		"'spec':{'selector':{'matchLabels':{}},'template':" TEMPLATE(APP_X, CTRS) "}}");
	expect_one(
		&c, INV, "spec.selector",
		"Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, "
		"MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid "
		"for deployment");
}

Test(validation, daemonset_update_strategy_values)
{
	api_causes c = validate(
		"daemonsets",
		"{'metadata':{'name':'ds','namespace':'default'},'spec':{'selector':{"
		"'matchLabels':" APP_X
		"},'template':" TEMPLATE(APP_X, CTRS) ","
						      "'updateStrategy':{'type':'Rolling'}}}");
	expect_one(&c, UNS, "spec.updateStrategy",
		   "Unsupported value: apps.DaemonSetUpdateStrategy{Type:\"Rolling\", "
		   "RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}: supported values: "
		   "\"RollingUpdate\", \"OnDelete\"");
}

Test(validation, statefulset_spec_updates_limited)
{
	const char *old =
		"{'metadata':{'name':'web','namespace':'default'},'spec':{'serviceName':"
		"'web','selector':{'matchLabels':" APP_X "},'template':" TEMPLATE(APP_X, CTRS) "}}";
	api_causes c =
		update("statefulsets",
		       "{'metadata':{'name':'web','namespace':'default'},'spec':{'serviceName':"
		       "'web2','selector':{'matchLabels':" APP_X
		       "},'template':" TEMPLATE(APP_X, CTRS) "}}",
		       old);
	expect_one(
		&c, FORB, "spec",
		"Forbidden: updates to statefulset spec for fields other than 'replicas', "
		"'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' "
		"and 'minReadySeconds' are forbidden");
}

/* ---- batch ----------------------------------------------------------------------------------- */

Test(validation, valid_job)
{
	api_causes c = validate("jobs", JOB("{'template':" JOB_TEMPLATE("Never") "}"));
	expect_none(&c);
}

Test(validation, job_restart_policy_on_failure_or_never)
{
	api_causes c = validate("jobs", JOB("{'template':{'spec':{'containers':[" CTR("") "]}}}"));
	expect_one(&c, REQ, "spec.template.spec.restartPolicy",
		   "Required value: valid values: \"OnFailure\", \"Never\"");
	c = validate("jobs", JOB("{'template':" JOB_TEMPLATE("Sometimes") "}"));
	cr_assert_eq(c.n, 2);
	expect_at(&c, 0, UNS, "spec.template.spec.restartPolicy",
		  "Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", "
		  "\"Never\"");
	expect_at(&c, 1, UNS, "spec.template.spec.restartPolicy",
		  "Unsupported value: \"Sometimes\": supported values: \"OnFailure\", \"Never\"");
	api_causes_clear(&c);
}

Test(validation, job_counts_non_negative)
{
	api_causes c =
		validate("jobs", JOB("{'completions':-1,'template':" JOB_TEMPLATE("Never") "}"));
	expect_one(&c, INV, "spec.completions",
		   "Invalid value: -1: must be greater than or equal to 0");
	c = validate("jobs", JOB("{'parallelism':-2,'template':" JOB_TEMPLATE("Never") "}"));
	expect_one(&c, INV, "spec.parallelism",
		   "Invalid value: -2: must be greater than or equal to 0");
	c = validate("jobs", JOB("{'backoffLimit':-3,'template':" JOB_TEMPLATE("Never") "}"));
	expect_one(&c, INV, "spec.backoffLimit",
		   "Invalid value: -3: must be greater than or equal to 0");
}

Test(validation, job_generated_selector_needs_uid)
{
	api_causes c =
		validate("jobs", "{'metadata':{'name':'j','namespace':'default'},'spec':{"
				 "'manualSelector':true,'template':" JOB_TEMPLATE("Never") "}}");
	cr_assert_eq(c.n, 2);
	expect_at(&c, 0, REQ, "spec.selector", "Required value");
	expect_at(&c, 1, INV, "spec.template.metadata.labels",
		  "Invalid value: map[string]string(nil): `selector` does not match template "
		  "`labels`");
	api_causes_clear(&c);
}

Test(validation, job_selector_and_template_immutable)
{
	const char *old = JOB("{'template':" JOB_TEMPLATE("Never") "}");
	api_causes c = update("jobs", JOB("{'template':" JOB_TEMPLATE("OnFailure") "}"), old);
	expect_one(&c, INV, "spec.template",
		   "Invalid value: core.PodTemplateSpec{...}: field is immutable");
	c = update("jobs",
		   JOB("{'manualSelector':true,'selector':{'matchLabels':{'job':'x'}},'template':{"
		       "'metadata':{'labels':{'job':'x'}},'spec':{'restartPolicy':'Never','"
		       "containers':["
		       "{'name':'c','image':'nginx'}]}}}"),
		   JOB("{'manualSelector':true,'selector':{'matchLabels':{'job':'y'}},'template':{"
		       "'metadata':{'labels':{'job':'x'}},'spec':{'restartPolicy':'Never','"
		       "containers':["
		       "{'name':'c','image':'nginx'}]}}}"));
	expect_one(&c, INV, "spec.selector",
		   "Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"job\":\"x\"}, "
		   "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable");
}

Test(validation, job_completions_immutable)
{
	api_causes c = update("jobs", JOB("{'completions':3,'template':" JOB_TEMPLATE("Never") "}"),
			      JOB("{'completions':2,'template':" JOB_TEMPLATE("Never") "}"));
	expect_one(&c, INV, "spec.completions", "Invalid value: 3: field is immutable");
}

Test(validation, cronjob_schedule_required)
{
	api_causes c = validate("cronjobs", CRONJOB("", ""));
	expect_one(&c, REQ, "spec.schedule", "Required value");
}

Test(validation, cronjob_schedule_valid_forms)
{
	static const char *const ok[] = {"*/5 * * * *",
					 "0 0 * * *",
					 "0 9-17 * * mon-fri",
					 "15,45 */2 1 jan,jul SUN",
					 "0 0 1-31/2 * ?",
					 "@hourly",
					 "@daily",
					 "@weekly",
					 "@monthly",
					 "@yearly",
					 "@annually",
					 "@midnight",
					 "@every 1h30m"};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char obj[1024];
		char *tmpl = q(CRONJOB("%s", ""));
		snprintf(obj, sizeof(obj), tmpl, ok[i]);
		free(tmpl);
		const api_resource *r = res("cronjobs");
		cJSON *o = cJSON_Parse(obj);
		cr_assert_not_null(o);
		cr_assert_eq(api_default(r, o), 0);
		api_causes c = {0};
		cr_expect_eq(api_validate(r, o, NULL, &c), 0, "schedule %s rejected: %s", ok[i],
			     c.n ? c.v[0].message : "");
		api_causes_clear(&c);
		cJSON_Delete(o);
	}
}

Test(validation, cronjob_schedule_field_count)
{
	api_causes c = validate("cronjobs", CRONJOB("*/5 * * *", ""));
	expect_one(&c, INV, "spec.schedule",
		   "Invalid value: \"*/5 * * *\": expected exactly 5 fields, found 4: [*/5 * * *]");
}

Test(validation, cronjob_schedule_ranges)
{
	api_causes c = validate("cronjobs", CRONJOB("0 24 * * *", ""));
	expect_one(&c, INV, "spec.schedule",
		   "Invalid value: \"0 24 * * *\": end of range (24) above maximum (23): 24");
	c = validate("cronjobs", CRONJOB("0 0 0 * *", ""));
	expect_one(&c, INV, "spec.schedule",
		   "Invalid value: \"0 0 0 * *\": beginning of range (0) below minimum (1): 0");
	c = validate("cronjobs", CRONJOB("5-1 * * * *", ""));
	expect_one(&c, INV, "spec.schedule",
		   "Invalid value: \"5-1 * * * *\": beginning of range (5) beyond end of range "
		   "(1): 5-1");
	c = validate("cronjobs", CRONJOB("*/0 * * * *", ""));
	expect_one(
		&c, INV, "spec.schedule",
		"Invalid value: \"*/0 * * * *\": step of range should be a positive number: */0");
	c = validate("cronjobs", CRONJOB("x * * * *", ""));
	expect_one(
		&c, INV, "spec.schedule",
		"Invalid value: \"x * * * *\": failed to parse int from x: strconv.Atoi: parsing "
		"\"x\": invalid syntax");
	c = validate("cronjobs", CRONJOB("1-2-3 * * * *", ""));
	expect_one(&c, INV, "spec.schedule",
		   "Invalid value: \"1-2-3 * * * *\": too many hyphens: 1-2-3");
}

Test(validation, cronjob_schedule_descriptors)
{
	api_causes c = validate("cronjobs", CRONJOB("@fortnightly", ""));
	expect_one(&c, INV, "spec.schedule",
		   "Invalid value: \"@fortnightly\": unrecognized descriptor: @fortnightly");
	c = validate("cronjobs", CRONJOB("@every 5x", ""));
	expect_one(
		&c, INV, "spec.schedule",
		"Invalid value: \"@every 5x\": failed to parse duration @every 5x: time: unknown "
		"unit \"x\" in duration \"5x\"");
	c = validate("cronjobs", CRONJOB("TZ=UTC 0 0 * * *", ""));
	expect_one(&c, INV, "spec.schedule",
		   "Invalid value: \"TZ=UTC 0 0 * * *\": cannot use TZ or CRON_TZ in schedule, use "
		   "timeZone field instead");
}

Test(validation, cronjob_concurrency_policy_values)
{
	api_causes c = validate("cronjobs", CRONJOB("@daily", ",'concurrencyPolicy':'Queue'"));
	expect_one(&c, UNS, "spec.concurrencyPolicy",
		   "Unsupported value: \"Queue\": supported values: \"Allow\", \"Forbid\", "
		   "\"Replace\"");
}

Test(validation, cronjob_job_template_rules)
{
	api_causes c = validate(
		"cronjobs",
		"{'metadata':{'name':'cj','namespace':'default'},'spec':{'schedule':'@daily',"
		"'jobTemplate':{'spec':{'template':{'spec':{'containers':[" CTR("") "]}}}}}}");
	expect_one(&c, REQ, "spec.jobTemplate.spec.template.spec.restartPolicy",
		   "Required value: valid values: \"OnFailure\", \"Never\"");
	char name[60];
	memset(name, 'a', 53);
	name[53] = '\0';
	char obj[1024];
	char *tmpl =
		q("{'metadata':{'name':'%s','namespace':'default'},'spec':{'schedule':'@daily',"
		  "'jobTemplate':{'spec':{'template':" JOB_TEMPLATE("Never") "}}}}");
	snprintf(obj, sizeof(obj), tmpl, name);
	free(tmpl);
	c = validate("cronjobs", obj);
	cr_assert_eq(c.n, 1);
	cr_expect_str_eq(c.v[0].field, "metadata.name");
	cr_expect(strstr(c.v[0].message, ": must be no more than 52 characters"));
	api_causes_clear(&c);
}

/* ---- Service --------------------------------------------------------------------------------- */

Test(validation, service_ports_required_unless_headless_or_external_name)
{
	api_causes c = validate("services", SVC("{'selector':" APP_X "}"));
	expect_one(&c, REQ, "spec.ports", "Required value");
	c = validate("services", SVC("{'clusterIP':'None','selector':" APP_X "}"));
	expect_none(&c);
	c = validate("services", SVC("{'type':'ExternalName','externalName':'db.example.com'}"));
	expect_none(&c);
}

Test(validation, service_port_range)
{
	api_causes c = validate("services", SVC("{'ports':[{'port':65536}]}"));
	cr_assert_eq(c.n, 2); /* targetPort defaults to port */
	expect_at(&c, 0, INV, "spec.ports[0].port",
		  "Invalid value: 65536: must be between 1 and 65535, inclusive");
	expect_at(&c, 1, INV, "spec.ports[0].targetPort",
		  "Invalid value: 65536: must be between 1 and 65535, inclusive");
	api_causes_clear(&c);
}

Test(validation, service_port_names_required_and_unique)
{
	api_causes c =
		validate("services", SVC("{'ports':[{'name':'web','port':80},{'port':443}]}"));
	expect_one(&c, REQ, "spec.ports[1].name", "Required value");
	c = validate("services",
		     SVC("{'ports':[{'name':'web','port':80},{'name':'web','port':443}]}"));
	expect_one(&c, DUP, "spec.ports[1].name", "Duplicate value: \"web\"");
}

Test(validation, service_ports_unique_by_protocol_and_port)
{
	api_causes c = validate("services",
				SVC("{'ports':[{'name':'a','port':80},{'name':'b','port':80}]}"));
	expect_one(&c, DUP, "spec.ports[1]",
		   "Duplicate value: core.ServicePort{Name:\"\", Protocol:\"TCP\", "
		   "AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, "
		   "IntVal:0, StrVal:\"\"}, NodePort:0}");
}

Test(validation, service_protocol_and_type_values)
{
	api_causes c = validate("services", SVC("{'ports':[{'port':80,'protocol':'HTTP'}]}"));
	expect_one(&c, UNS, "spec.ports[0].protocol",
		   "Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"");
	c = validate("services", SVC("{'type':'Internal','ports':[{'port':80}]}"));
	expect_one(&c, UNS, "spec.type",
		   "Unsupported value: \"Internal\": supported values: \"ClusterIP\", "
		   "\"ExternalName\", \"LoadBalancer\", \"NodePort\"");
}

Test(validation, service_target_port_number_or_iana_name)
{
	api_causes c = validate("services", SVC("{'ports':[{'port':80,'targetPort':'WEB_8080'}]}"));
	cr_assert_eq(c.n, 2);
	expect_at(&c, 0, INV, "spec.ports[0].targetPort",
		  "Invalid value: \"WEB_8080\": must contain only alpha-numeric characters (a-z, "
		  "0-9), and hyphens (-)");
	expect_at(&c, 1, INV, "spec.ports[0].targetPort",
		  "Invalid value: \"WEB_8080\": must contain at least one letter (a-z)");
	api_causes_clear(&c);
	c = validate("services", SVC("{'ports':[{'port':80,'targetPort':'http'}]}"));
	expect_none(&c);
}

Test(validation, service_cluster_ip_values)
{
	api_causes c =
		validate("services", SVC("{'clusterIP':'10.0.0.300','ports':[{'port':80}]}"));
	expect_one(&c, INV, "spec.clusterIPs[0]",
		   "Invalid value: \"10.0.0.300\": must be a valid IP address, (e.g. 10.9.8.7 or "
		   "2001:db8::ffff)");
	c = validate("services", SVC("{'clusterIP':'10.96.0.10','ports':[{'port':80}]}"));
	expect_none(&c);
}

Test(validation, service_node_port_only_for_node_port_and_load_balancer)
{
	api_causes c = validate("services", SVC("{'ports':[{'port':80,'nodePort':30080}]}"));
	expect_one(&c, FORB, "spec.ports[0].nodePort",
		   "Forbidden: may not be used when `type` is 'ClusterIP'");
	c = validate("services", SVC("{'type':'NodePort','ports':[{'port':80,'nodePort':30080}]}"));
	expect_none(&c);
}

Test(validation, service_session_affinity_values)
{
	api_causes c =
		validate("services", SVC("{'sessionAffinity':'Cookie','ports':[{'port':80}]}"));
	expect_one(&c, UNS, "spec.sessionAffinity",
		   "Unsupported value: \"Cookie\": supported values: \"ClientIP\", \"None\"");
}

Test(validation, service_external_traffic_policy_only_when_external)
{
	api_causes c = validate("services",
				SVC("{'externalTrafficPolicy':'Local','ports':[{'port':80}]}"));
	expect_one(&c, INV, "spec.externalTrafficPolicy",
		   "Invalid value: \"Local\": may only be set for externally-accessible services");
	c = validate("services", SVC("{'type':'NodePort','externalTrafficPolicy':'Nearest',"
				     "'ports':[{'port':80}]}"));
	expect_one(&c, UNS, "spec.externalTrafficPolicy",
		   "Unsupported value: \"Nearest\": supported values: \"Cluster\", \"Local\"");
}

/* ---- ConfigMap, Secret, Namespace, Event, Lease, Ingress ------------------------------------ */

Test(validation, config_map_keys)
{
	api_causes c = validate("configmaps", "{'metadata':{'name':'cm','namespace':'default'},"
					      "'data':{'app.conf':'x','my key':'y'}}");
	expect_one(&c, INV, "data[my key]",
		   "Invalid value: \"my key\": a valid config key must consist of alphanumeric "
		   "characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', "
		   "regex "
		   "used for validation is '[-._a-zA-Z0-9]+')");
	c = validate("configmaps", "{'metadata':{'name':'cm','namespace':'default'},"
				   "'data':{'..data':'x'}}");
	expect_one(&c, INV, "data[..data]", "Invalid value: \"..data\": must not start with '..'");
}

Test(validation, config_map_total_size_at_most_1mib)
{
	size_t big = 1024 * 1024 + 1;
	char *val = malloc(big + 1);
	cr_assert_not_null(val);
	memset(val, 'x', big);
	val[big] = '\0';
	cJSON *o = parse("{'metadata':{'name':'cm','namespace':'default'}}");
	cJSON *data = cJSON_AddObjectToObject(o, "data");
	cr_assert_not_null(cJSON_AddStringToObject(data, "big", val));
	free(val);
	api_causes c = {0};
	cr_assert_eq(api_validate(res("configmaps"), o, NULL, &c), 1);
	cJSON_Delete(o);
	expect_at(&c, 0, LONG, "", "Too long: may not be more than 1048576 bytes");
	char msg[512];
	api_invalid_message(res("configmaps"), "cm", &c, msg, sizeof(msg));
	cr_expect_str_eq(
		msg, "ConfigMap \"cm\" is invalid: : Too long: may not be more than 1048576 bytes");
	api_causes_clear(&c);
}

Test(validation, secret_keys_and_type_rules)
{
	api_causes c = validate("secrets", "{'metadata':{'name':'s','namespace':'default'},"
					   "'data':{'a/b':'eA=='}}");
	cr_assert_eq(c.n, 1);
	cr_expect_str_eq(c.v[0].field, "data[a/b]");
	api_causes_clear(&c);
	c = validate("secrets", "{'metadata':{'name':'s','namespace':'default'},"
				"'type':'kubernetes.io/tls','data':{'tls.crt':'eA=='}}");
	expect_one(&c, REQ, "data[tls.key]", "Required value");
	c = update("secrets", "{'metadata':{'name':'s','namespace':'default'},'type':'Other'}",
		   "{'metadata':{'name':'s','namespace':'default'},'type':'Opaque'}");
	expect_one(&c, INV, "type", "Invalid value: \"Other\": field is immutable");
}

Test(validation, secret_string_data_counts_after_conversion)
{
	/* stringData becomes data before validation, so its keys are checked there. */
	api_causes c = validate("secrets", "{'metadata':{'name':'s','namespace':'default'},"
					   "'stringData':{'bad key':'v'}}");
	expect_one(&c, INV, "data[bad key]",
		   "Invalid value: \"bad key\": a valid config key must consist of alphanumeric "
		   "characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', "
		   "regex "
		   "used for validation is '[-._a-zA-Z0-9]+')");
}

Test(validation, namespace_spec_finalizers)
{
	api_causes c = validate("namespaces", "{'metadata':{'name':'team-a'},'spec':{'finalizers':"
					      "['kubernetes','cleanup']}}");
	expect_one(
		&c, INV, "spec.finalizers",
		"Invalid value: \"cleanup\": name is neither a standard finalizer name nor is it "
		"fully qualified");
}

Test(validation, event_involved_object_namespace)
{
	api_causes c = validate(
		"events", "{'metadata':{'name':'p.17a','namespace':'default'},"
			  "'involvedObject':{'kind':'Pod','name':'p','namespace':'kube-system'},"
			  "'reason':'Started'}");
	expect_one(&c, INV, "involvedObject.namespace",
		   "Invalid value: \"kube-system\": does not match event.namespace");
	c = validate("events", "{'metadata':{'name':'n1.17a','namespace':'default'},"
			       "'involvedObject':{'kind':'Node','name':'n1'}}");
	expect_none(&c);
}

Test(validation, event_with_event_time_needs_reporting_fields)
{
	api_causes c = validate(
		"events",
		"{'metadata':{'name':'e','namespace':'default'},"
		"'eventTime':'2024-11-26T00:00:00.000000Z',"
		"'involvedObject':{'kind':'Pod','name':'p','namespace':'default'},"
		"'reportingComponent':'kubelet','reportingInstance':'n1','reason':'Started'}");
	expect_one(&c, REQ, "action", "Required value");
}

Test(validation, lease_spec_numbers)
{
	api_causes c =
		validate("leases", "{'metadata':{'name':'l','namespace':'kube-system'},"
				   "'spec':{'leaseDurationSeconds':0,'leaseTransitions':-1}}");
	cr_assert_eq(c.n, 2);
	expect_at(&c, 0, INV, "spec.leaseDurationSeconds",
		  "Invalid value: 0: must be greater than 0");
	expect_at(&c, 1, INV, "spec.leaseTransitions",
		  "Invalid value: -1: must be greater than or equal to 0");
	api_causes_clear(&c);
}

Test(validation, ingress_path_type_required_and_values)
{
	api_causes c = validate("ingresses", INGRESS("{'path':'/'," BACKEND "}"));
	expect_one(&c, REQ, "spec.rules[0].http.paths[0].pathType",
		   "Required value: pathType must be specified");
	c = validate("ingresses", INGRESS("{'path':'/','pathType':'Regex'," BACKEND "}"));
	expect_one(&c, UNS, "spec.rules[0].http.paths[0].pathType",
		   "Unsupported value: \"Regex\": supported values: \"Exact\", "
		   "\"ImplementationSpecific\", \"Prefix\"");
}

Test(validation, ingress_paths_absolute)
{
	api_causes c =
		validate("ingresses", INGRESS("{'path':'api','pathType':'Prefix'," BACKEND "}"));
	expect_one(&c, INV, "spec.rules[0].http.paths[0].path",
		   "Invalid value: \"api\": must be an absolute path");
	c = validate("ingresses", INGRESS("{'path':'/a//b','pathType':'Exact'," BACKEND "}"));
	expect_one(&c, INV, "spec.rules[0].http.paths[0].path",
		   "Invalid value: \"/a//b\": must not contain '//'");
}

Test(validation, ingress_backends)
{
	api_causes c =
		validate("ingresses", INGRESS("{'path':'/','pathType':'Prefix','backend':{}}"));
	expect_one(&c, INV, "spec.rules[0].http.paths[0].backend",
		   "Invalid value: \"\": resource or service backend is required");
	c = validate("ingresses", INGRESS("{'path':'/','pathType':'Prefix','backend':{'service':{"
					  "'name':'web','port':{}}}}"));
	expect_one(&c, REQ, "spec.rules[0].http.paths[0].backend",
		   "Required value: port name or number is required");
	c = validate("ingresses", "{'metadata':{'name':'i','namespace':'default'},'spec':{}}");
	expect_one(
		&c, INV, "spec",
		"Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` "
		"must be specified");
}

/* ---- the 422 message and the causes' JSON -------------------------------------------------- */

Test(validation, invalid_message_one_cause)
{
	api_causes c = validate("pods", POD("{'containers':[{'name':'c'}]}"));
	char msg[1024];
	api_invalid_message(res("pods"), "p", &c, msg, sizeof(msg));
	cr_expect_str_eq(msg, "Pod \"p\" is invalid: spec.containers[0].image: Required value");
	api_causes_clear(&c);
}

Test(validation, invalid_message_several_causes_with_group)
{
	api_causes c =
		validate("deployments", DEPLOY("{'replicas':-1,'selector':{'matchLabels':" APP_X
					       "},'template':" TEMPLATE("{'app':'y'}", CTRS) "}"));
	char msg[1024];
	api_invalid_message(res("deployments"), "d", &c, msg, sizeof(msg));
	cr_expect_str_eq(msg,
			 "Deployment.apps \"d\" is invalid: [spec.replicas: Invalid value: -1: "
			 "must be greater than or equal to 0, spec.template.metadata.labels: "
			 "Invalid value: map[string]string{\"app\":\"y\"}: `selector` does not "
			 "match template `labels`]");
	api_causes_clear(&c);
}

Test(validation, invalid_message_repeats_shown_once)
{
	api_causes c = {0};
	/* Two identical causes (ToAggregate drops the second) and one other. */
	cJSON *o = parse(
		"{'metadata':{'name':'cm','namespace':'default','labels':{'a':'-x','b':'-x'}}}");
	cr_assert_eq(api_validate(res("configmaps"), o, NULL, &c), 2);
	cJSON_Delete(o);
	char msg[2048];
	api_invalid_message(res("configmaps"), "cm", &c, msg, sizeof(msg));
	cr_expect_str_eq(msg, "ConfigMap \"cm\" is invalid: metadata.labels: Invalid value: "
			      "\"-x\": " LABEL_VALUE_MSG);
	api_causes_clear(&c);
	api_invalid_message(res("ingresses"), "web", &c, msg, sizeof(msg));
	cr_expect_str_eq(msg, "Ingress.networking.k8s.io \"web\" is invalid");
}

Test(validation, invalid_message_is_cut_to_size)
{
	api_causes c = validate("pods", POD("{'containers':[{'name':'c'}]}"));
	char msg[16];
	api_invalid_message(res("pods"), "p", &c, msg, sizeof(msg));
	cr_expect_str_eq(msg, "Pod \"p\" is inva");
	api_causes_clear(&c);
}

Test(validation, causes_json)
{
	api_causes c = validate("pods", POD("{'containers':[{'name':'c'}]}"));
	cJSON *j = api_causes_json(&c);
	cr_assert_not_null(j);
	char *s = cJSON_PrintUnformatted(j);
	cr_expect_str_eq(s, "[{\"reason\":\"FieldValueRequired\",\"message\":\"Required value\","
			    "\"field\":\"spec.containers[0].image\"}]");
	free(s);
	cJSON_Delete(j);
	api_causes_clear(&c);
	api_causes_clear(&c); /* clearing an empty list is fine */
	j = api_causes_json(&c);
	s = cJSON_PrintUnformatted(j);
	cr_expect_str_eq(s, "[]");
	free(s);
	cJSON_Delete(j);
}

Test(validation, causes_accumulate_across_calls)
{
	api_causes c = validate("pods", POD("{'containers':[{'name':'c'}]}"));
	const api_resource *r = res("pods");
	cJSON *o = parse(POD("{'containers':[{'name':'c'}]}"));
	cr_assert_eq(api_default(r, o), 0);
	cr_assert_eq(api_validate(r, o, NULL, &c), 1); /* returns the number added */
	cr_expect_eq(c.n, 2);
	cJSON_Delete(o);
	api_causes_clear(&c);
	cr_expect_eq(c.n, 0);
	cr_expect_null(c.v);
}

Test(validation, pod_projected_token_needs_service_account)
{
	api_causes c = validate("pods", POD("{'containers':[" CTR(
						"") "],'volumes':[{'name':'t',"
						    "'projected':{'sources':[{'serviceAccountToken'"
						    ":{'path':'token'}}]}}]}"));
	expect_one(&c, FORB, "spec.volumes[0].projected.sources[0].serviceAccountToken",
		   "Forbidden: must not be specified when serviceAccountName is not set");
	c = validate(
		"pods",
		POD("{'serviceAccountName':'default','containers':[" CTR(
			"") "],"
			    "'volumes':[{'name':'t','projected':{'sources':[{'serviceAccountToken':"
			    "{'path':'token'}}]}}]}"));
	expect_none(&c);
}
