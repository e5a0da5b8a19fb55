/* bench_etcd.c - puts per second through cube's etcd client, beside the same
 * load sent straight at etcd's JSON gateway by wrk, in the same run.
 *
 * For each concurrency (1, 16, 64) it runs wrk (a Lua script POSTs
 * /v3/kv/put with a distinct key per request and the same ~600-byte value)
 * and then cube_etcd_put from as many threads, each for BENCH_SECONDS
 * (default 5), against one etcd started for the run on free loopback ports.
 * It prints a table and the ratio client/baseline; it asserts nothing (the
 * machine is shared and noisy): the number is for people to read.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "etcd.h"
#include "etcd_harness.h"

static char value[640];

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct worker {
	cube_etcd *e;
	int id;
	double until;
	long puts;
	long errors;
	pthread_barrier_t *go;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	char key[64];
	pthread_barrier_wait(w->go);
	for (long i = 0; now_s() < w->until; i++) {
		snprintf(key, sizeof(key), "/bench/client/%d/%ld", w->id, i);
		if (cube_etcd_put(w->e, key, value, strlen(value), 0, NULL, NULL) == 0)
			w->puts++;
		else
			w->errors++;
	}
	return NULL;
}

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double client_cpu_us; /* CPU microseconds per put spent in this process */

static double run_client(const char *url, int conc, int seconds, long *errors)
{
	cube_etcd *e = cube_etcd_new(url, NULL);
	struct worker *ws = calloc((size_t)conc, sizeof(*ws));
	pthread_t *th = calloc((size_t)conc, sizeof(*th));
	pthread_barrier_t go;
	pthread_barrier_init(&go, NULL, (unsigned)conc + 1);
	for (int i = 0; i < conc; i++) {
		ws[i] = (struct worker){.e = e, .id = i, .go = &go};
		pthread_create(&th[i], NULL, work, &ws[i]);
	}
	double cpu0 = cpu_s();
	double start = now_s();
	for (int i = 0; i < conc; i++)
		ws[i].until = start + seconds;
	pthread_barrier_wait(&go);
	long total = 0;
	*errors = 0;
	for (int i = 0; i < conc; i++) {
		pthread_join(th[i], NULL);
		total += ws[i].puts;
		*errors += ws[i].errors;
	}
	double elapsed = now_s() - start;
	pthread_barrier_destroy(&go);
	client_cpu_us = total ? (cpu_s() - cpu0) * 1e6 / (double)total : 0;
	free(ws);
	free(th);
	cube_etcd_free(e);
	return (double)total / elapsed;
}

/* Runs wrk and returns its Requests/sec, or -1. */
static double run_wrk(const char *url, const char *lua, int conc, int seconds, long *non2xx)
{
	char cmd[1024];
	int threads = conc < 2 ? conc : 2;
	snprintf(cmd, sizeof(cmd), "wrk -t%d -c%d -d%ds -s %s %s/v3/kv/put 2>&1", threads, conc,
		 seconds, lua, url);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	char line[512];
	double rps = -1;
	*non2xx = 0;
	while (fgets(line, sizeof(line), p)) {
		if (!strncmp(line, "Requests/sec:", 13))
			rps = atof(line + 13);
		if (strstr(line, "Non-2xx"))
			*non2xx = atol(strchr(line, ':') + 1);
	}
	pclose(p);
	return rps;
}

int main(void)
{
	const char *s = getenv("BENCH_SECONDS");
	int seconds = s && atoi(s) > 0 ? atoi(s) : 5;
	for (size_t i = 0; i < sizeof(value) - 1; i++)
		value[i] = (char)('a' + i % 26);
	value[sizeof(value) - 1] = '\0';

	cube_test_etcd etcd;
	if (cube_test_etcd_start(&etcd) < 0)
		return 1;

	/* The baseline's Lua: distinct keys, the same value, base64 as the gateway wants. */
	char lua[600];
	snprintf(lua, sizeof(lua), "%s/wrk-put.lua", etcd.dir);
	FILE *f = fopen(lua, "w");
	unsigned char b64v[1024];
	EVP_EncodeBlock(b64v, (const unsigned char *)value, (int)strlen(value));
	fprintf(f,
		"local b64 = '%s'\n"
		"local chars='ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'\n"
		"local function enc(data)\n"
		"  return ((data:gsub('.', function(x)\n"
		"    local r,b='',x:byte()\n"
		"    for i=8,1,-1 do r=r..(b%%2^i-b%%2^(i-1)>0 and '1' or '0') end\n"
		"    return r end)..'0000'):gsub('%%d%%d%%d?%%d?%%d?%%d?', function(x)\n"
		"      if (#x < 6) then return '' end\n"
		"      local c=0\n"
		"      for i=1,6 do c=c+(x:sub(i,i)=='1' and 2^(6-i) or 0) end\n"
		"      return chars:sub(c+1,c+1) end)..({ '', '==', '=' })[#data%%3+1])\n"
		"end\n"
		"local n = 0\n"
		"local tid = 0\n"
		"setup = function(thread) thread:set('tid', tid); tid = tid + 1 end\n"
		"request = function()\n"
		"  n = n + 1\n"
		"  local body = '{\"key\":\"' .. enc('/bench/wrk/' .. tostring(tid) .. '/' .. n) "
		".. '\",\"value\":\"' .. b64 .. '\"}'\n"
		"  return wrk.format('POST', nil, {['Content-Type']='application/json'}, body)\n"
		"end\n",
		b64v);
	fclose(f);

	printf("bench/etcd: puts/s through cube's etcd client vs wrk straight at etcd's gateway\n");
	printf("etcd %s, %d s per measurement, value %zu bytes\n\n", etcd.url, seconds,
	       strlen(value));
	printf("| concurrency | wrk puts/s (baseline) | cube client puts/s | ratio | client CPU "
	       "us/put |\n");
	printf("|---:|---:|---:|---:|---:|\n");
	int concs[] = {1, 16, 64};
	int rc = 0;
	for (size_t i = 0; i < 3; i++) {
		long non2xx = 0, errors = 0;
		double base = run_wrk(etcd.url, lua, concs[i], seconds, &non2xx);
		double mine = run_client(etcd.url, concs[i], seconds, &errors);
		if (base <= 0) {
			printf("| %d | wrk failed | %.0f | - |\n", concs[i], mine);
			rc = 1;
			continue;
		}
		printf("| %d | %.0f%s | %.0f%s | %.2f | %.0f |\n", concs[i], base,
		       non2xx ? " (non-2xx!)" : "", mine, errors ? " (errors!)" : "", mine / base,
		       client_cpu_us);
		fflush(stdout);
	}
	printf("\ntarget: ratio >= 0.9 at every concurrency\n");
	cube_test_etcd_destroy(&etcd);
	return rc;
}
