/* framework.c - the scheduler framework: pod requests, node accounting,
 * policies, and one scheduling decision with its scorecard (framework.h).
 * The plug-ins themselves are in plugins.c. */
#include "scheduler/framework.h"

#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "obj.h"
#include "quantity.h"

/* ---- saturating arithmetic ------------------------------------------------------ */

static int64_t sat_add(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

static int64_t sat_sub(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_sub_overflow(a, b, &r))
		return b < 0 ? INT64_MAX : INT64_MIN;
	return r;
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* ---- requests --------------------------------------------------------------------- */

/* Kubernetes' schedutil.DefaultMilliCPURequest and DefaultMemoryRequest. */
#define NONZERO_CPU_MILLI 100
#define NONZERO_MEMORY (200LL * 1024 * 1024)

typedef struct res {
	int64_t cpu, mem, sto;
} res;

/* One quantity of a resource list: 0 and *bad when it does not parse or is
 * negative; `missing` when absent. */
static int64_t qty(const cJSON *list, const char *name, bool milli, bool *missing, bool *bad)
{
	const cJSON *v = cJSON_IsObject(list) ? cJSON_GetObjectItemCaseSensitive(list, name) : NULL;
	*missing = v == NULL || cJSON_IsNull(v);
	if (*missing)
		return 0;
	cube_quantity q;
	if (cube_quantity_parse_json(v, &q, NULL) < 0) {
		*bad = true;
		return 0;
	}
	int64_t r = milli ? cube_quantity_milli(&q) : cube_quantity_value(&q);
	if (r < 0) {
		*bad = true;
		return 0;
	}
	return r;
}

static res list_res(const cJSON *list, bool nonzero, bool *bad)
{
	res r;
	bool missing;
	r.cpu = qty(list, "cpu", true, &missing, bad);
	if (missing && nonzero)
		r.cpu = NONZERO_CPU_MILLI;
	r.mem = qty(list, "memory", false, &missing, bad);
	if (missing && nonzero)
		r.mem = NONZERO_MEMORY;
	r.sto = qty(list, "ephemeral-storage", false, &missing, bad);
	return r;
}

static void res_add(res *a, const res *b)
{
	a->cpu = sat_add(a->cpu, b->cpu);
	a->mem = sat_add(a->mem, b->mem);
	a->sto = sat_add(a->sto, b->sto);
}

static void res_max(res *a, const res *b)
{
	a->cpu = max64(a->cpu, b->cpu);
	a->mem = max64(a->mem, b->mem);
	a->sto = max64(a->sto, b->sto);
}

/* resourcehelper.PodRequests of Kubernetes 1.32: the sum of the containers
 * plus the restartable init containers (sidecars), against the max of each
 * init container (plus the sidecars started before it), plus overhead. */
static res pod_res(const cJSON *pod, bool nonzero, bool *bad)
{
	res reqs = {0, 0, 0}, sidecars = {0, 0, 0}, init = {0, 0, 0};
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(pod, "spec");
	const cJSON *c;
	const cJSON *cs = cJSON_GetObjectItemCaseSensitive(spec, "containers");
	if (cJSON_IsArray(cs)) {
		cJSON_ArrayForEach (c, cs) {
			res r = list_res(cube_json_path(c, "resources.requests"), nonzero, bad);
			res_add(&reqs, &r);
		}
	}
	const cJSON *ics = cJSON_GetObjectItemCaseSensitive(spec, "initContainers");
	if (cJSON_IsArray(ics)) {
		cJSON_ArrayForEach (c, ics) {
			res r = list_res(cube_json_path(c, "resources.requests"), nonzero, bad);
			const char *rp = cube_json_str(c, "restartPolicy");
			if (rp && strcmp(rp, "Always") == 0) {
				res_add(&reqs, &r);
				res_add(&sidecars, &r);
				r = sidecars;
			} else {
				res_add(&r, &sidecars);
			}
			res_max(&init, &r);
		}
	}
	res_max(&reqs, &init);
	const cJSON *ov = cJSON_GetObjectItemCaseSensitive(spec, "overhead");
	if (ov && !cJSON_IsNull(ov)) {
		res r = list_res(ov, false, bad);
		res_add(&reqs, &r);
	}
	return reqs;
}

void sched_pod_requests(const cJSON *pod, int64_t *cpu_milli, int64_t *memory, int64_t *storage,
			bool *bad)
{
	bool b = false;
	res r = pod_res(pod, false, &b);
	if (cpu_milli)
		*cpu_milli = r.cpu;
	if (memory)
		*memory = r.mem;
	if (storage)
		*storage = r.sto;
	if (bad)
		*bad = b;
}

void sched_pod_nonzero_requests(const cJSON *pod, int64_t *cpu_milli, int64_t *memory)
{
	bool b = false;
	res r = pod_res(pod, true, &b);
	if (cpu_milli)
		*cpu_milli = r.cpu;
	if (memory)
		*memory = r.mem;
}

/* ---- nodes --------------------------------------------------------------------------- */

static int64_t node_res(const cJSON *node, const char *name, bool milli)
{
	bool missing, bad = false;
	int64_t v = qty(cube_json_path(node, "status.allocatable"), name, milli, &missing, &bad);
	if (missing || bad) {
		bad = false;
		v = qty(cube_json_path(node, "status.capacity"), name, milli, &missing, &bad);
	}
	return bad ? 0 : v;
}

void sched_node_init(sched_node *n, const cJSON *node)
{
	n->node = node;
	n->name = cube_json_str(node, "metadata.name");
	n->alloc_cpu_milli = node_res(node, "cpu", true);
	n->alloc_memory = node_res(node, "memory", false);
	n->alloc_storage = node_res(node, "ephemeral-storage", false);
	n->alloc_pods = node_res(node, "pods", false);
	n->facts = sched_node_facts(node);
}

void sched_node_add_pod(sched_node *n, const cJSON *pod)
{
	bool bad = false;
	res r = pod_res(pod, false, &bad);
	res nz = pod_res(pod, true, &bad);
	n->req_cpu_milli = sat_add(n->req_cpu_milli, r.cpu);
	n->req_memory = sat_add(n->req_memory, r.mem);
	n->req_storage = sat_add(n->req_storage, r.sto);
	n->nonzero_cpu_milli = sat_add(n->nonzero_cpu_milli, nz.cpu);
	n->nonzero_memory = sat_add(n->nonzero_memory, nz.mem);
	n->pods++;
}

static int64_t floor0(int64_t v)
{
	return v < 0 ? 0 : v;
}

void sched_node_remove_pod(sched_node *n, const cJSON *pod)
{
	bool bad = false;
	res r = pod_res(pod, false, &bad);
	res nz = pod_res(pod, true, &bad);
	n->req_cpu_milli = floor0(sat_sub(n->req_cpu_milli, r.cpu));
	n->req_memory = floor0(sat_sub(n->req_memory, r.mem));
	n->req_storage = floor0(sat_sub(n->req_storage, r.sto));
	n->nonzero_cpu_milli = floor0(sat_sub(n->nonzero_cpu_milli, nz.cpu));
	n->nonzero_memory = floor0(sat_sub(n->nonzero_memory, nz.mem));
	if (n->pods > 0)
		n->pods--;
}

/* ---- policies ------------------------------------------------------------------------- */

const sched_filter *sched_filter_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sched_filters_len; i++)
		if (strcmp(sched_filters[i].name, name) == 0)
			return &sched_filters[i];
	return NULL;
}

const sched_score *sched_score_find(const char *name)
{
	if (!name)
		return NULL;
	if (strcmp(name, "SelectorSpread") == 0)
		name = "PodTopologySpread";
	for (size_t i = 0; i < sched_scores_len; i++)
		if (strcmp(sched_scores[i].name, name) == 0)
			return &sched_scores[i];
	return NULL;
}

void sched_policy_default(sched_policy *p)
{
	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < sched_filters_len && i < 32; i++)
		p->filters[p->n_filters++] = &sched_filters[i];
	for (size_t i = 0; i < sched_scores_len && i < 32; i++) {
		p->scores[p->n_scores] = &sched_scores[i];
		p->weights[p->n_scores++] = sched_scores[i].default_weight;
	}
	p->percentage_of_nodes_to_score = 0;
}

static int perr(char *msg, size_t size, const char *fmt, const char *a)
{
	if (msg && size)
		snprintf(msg, size, fmt, a);
	return -1;
}

int sched_policy_from_json(sched_policy *p, const cJSON *cfg, char *msg, size_t size)
{
	sched_policy np;
	sched_policy_default(&np);
	if (msg && size)
		msg[0] = '\0';
	if (!cJSON_IsObject(cfg))
		return perr(msg, size, "scheduler policy: %s", "not a JSON object");
	const cJSON *it;
	cJSON_ArrayForEach (it, cfg) {
		if (strcmp(it->string, "filters") != 0 && strcmp(it->string, "scores") != 0 &&
		    strcmp(it->string, "percentageOfNodesToScore") != 0)
			return perr(msg, size, "scheduler policy: unknown field \"%s\"",
				    it->string);
	}
	const cJSON *filters = cJSON_GetObjectItemCaseSensitive(cfg, "filters");
	if (filters) {
		if (!cJSON_IsArray(filters))
			return perr(msg, size, "scheduler policy: %s must be a list of names",
				    "filters");
		np.n_filters = 0;
		const cJSON *f;
		cJSON_ArrayForEach (f, filters) {
			if (!cJSON_IsString(f))
				return perr(msg, size,
					    "scheduler policy: %s must be a list of names",
					    "filters");
			const sched_filter *sf = sched_filter_find(f->valuestring);
			if (!sf)
				return perr(msg, size,
					    "scheduler policy: unknown filter plug-in \"%s\"",
					    f->valuestring);
			for (size_t i = 0; i < np.n_filters; i++)
				if (np.filters[i] == sf)
					return perr(msg, size,
						    "scheduler policy: filter plug-in \"%s\" "
						    "listed twice",
						    f->valuestring);
			if (np.n_filters >= 32)
				return perr(msg, size, "scheduler policy: %s",
					    "more than 32 filters");
			np.filters[np.n_filters++] = sf;
		}
	}
	const cJSON *scores = cJSON_GetObjectItemCaseSensitive(cfg, "scores");
	if (scores) {
		if (!cJSON_IsArray(scores))
			return perr(msg, size, "scheduler policy: %s must be a list", "scores");
		np.n_scores = 0;
		const cJSON *s;
		cJSON_ArrayForEach (s, scores) {
			const char *name = NULL;
			const cJSON *w = NULL;
			if (cJSON_IsString(s)) {
				name = s->valuestring;
			} else if (cJSON_IsObject(s)) {
				name = cube_json_str(s, "name");
				w = cJSON_GetObjectItemCaseSensitive(s, "weight");
			}
			if (!name)
				return perr(msg, size, "scheduler policy: %s",
					    "each score must be a name or {\"name\":..., "
					    "\"weight\":N}");
			const sched_score *ss = sched_score_find(name);
			if (!ss)
				return perr(msg, size,
					    "scheduler policy: unknown score plug-in \"%s\"", name);
			int weight = ss->default_weight;
			if (w) {
				if (!cJSON_IsNumber(w) || w->valuedouble < 0 ||
				    w->valuedouble > 100 ||
				    w->valuedouble != (double)(int)w->valuedouble)
					return perr(msg, size,
						    "scheduler policy: score plug-in \"%s\": "
						    "weight must "
						    "be an integer from 0 to 100",
						    name);
				weight = (int)w->valuedouble;
			}
			for (size_t i = 0; i < np.n_scores; i++)
				if (np.scores[i] == ss)
					return perr(msg, size,
						    "scheduler policy: score plug-in \"%s\" listed "
						    "twice",
						    name);
			if (np.n_scores >= 32)
				return perr(msg, size, "scheduler policy: %s",
					    "more than 32 scores");
			np.scores[np.n_scores] = ss;
			np.weights[np.n_scores++] = weight;
		}
	}
	const cJSON *pct = cJSON_GetObjectItemCaseSensitive(cfg, "percentageOfNodesToScore");
	if (pct) {
		if (!cJSON_IsNumber(pct) || pct->valuedouble < 0 || pct->valuedouble > 100 ||
		    pct->valuedouble != (double)(int)pct->valuedouble)
			return perr(msg, size,
				    "scheduler policy: %s must be an integer from 0 to 100",
				    "percentageOfNodesToScore");
		np.percentage_of_nodes_to_score = (int)pct->valuedouble;
	}
	*p = np;
	return 0;
}

/* ---- one decision ----------------------------------------------------------------------- */

/* Kubernetes' numFeasibleNodesToFind. */
static size_t num_feasible_to_find(int percentage, size_t all)
{
	const size_t min_nodes = 100;
	if (all < min_nodes || percentage >= 100)
		return all;
	long pct = percentage;
	if (pct <= 0) {
		pct = 50 - (long)(all / 125);
		if (pct < 5)
			pct = 5;
	}
	size_t n = all * (size_t)pct / 100;
	return n < min_nodes ? min_nodes : n;
}

typedef struct reason_count {
	char text[sizeof(((sched_status *)0)->reasons[0])];
	size_t count;
} reason_count;

typedef struct hist {
	reason_count *v;
	size_t n, cap;
} hist;

static int hist_add(hist *h, const char *text)
{
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->v[i].text, text) == 0) {
			h->v[i].count++;
			return 0;
		}
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 8;
		reason_count *nv = realloc(h->v, cap * sizeof(*nv));
		if (!nv)
			return -1;
		h->v = nv;
		h->cap = cap;
	}
	snprintf(h->v[h->n].text, sizeof(h->v[h->n].text), "%s", text);
	h->v[h->n].count = 1;
	h->n++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_count_desc(const void *a, const void *b)
{
	const reason_count *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->text, y->text);
}

/* FitError.Error(): "0/N nodes are available: " + the sorted "count reason"
 * strings joined by ", " + ".". */
static int fit_message(const hist *h, size_t all, char *buf, size_t size)
{
	if (all == 0) {
		snprintf(buf, size, "no nodes available to schedule pods");
		return 0;
	}
	char **items = calloc(h->n ? h->n : 1, sizeof(*items));
	if (!items)
		return -1;
	for (size_t i = 0; i < h->n; i++) {
		if (asprintf(&items[i], "%zu %s", h->v[i].count, h->v[i].text) < 0) {
			items[i] = NULL;
			for (size_t j = 0; j < i; j++)
				free(items[j]);
			free(items);
			return -1;
		}
	}
	if (h->n > 1)
		qsort(items, h->n, sizeof(*items), cmp_str);
	size_t len = (size_t)snprintf(buf, size, "0/%zu nodes are available:", all);
	const char *ell = ", ...";
	bool cut = false;
	for (size_t i = 0; i < h->n; i++) {
		size_t need = strlen(items[i]) + 3; /* ", " or " " plus "." */
		if (len + need + strlen(ell) + 1 > size) {
			if (len + strlen(ell) + 1 < size) {
				strcpy(buf + len, ell);
				len += strlen(ell);
			}
			cut = true;
			break;
		}
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : " ", items[i]);
	}
	if (h->n && !cut && len + 2 <= size)
		strcpy(buf + len, ".");
	for (size_t i = 0; i < h->n; i++)
		free(items[i]);
	free(items);
	return 0;
}

#define SCORECARD_TOP 5
#define SCORECARD_REASONS 16

void sched_result_clear(sched_result *r)
{
	if (!r)
		return;
	cJSON_Delete(r->scorecard);
	r->scorecard = NULL;
}

typedef struct sched_work {
	void *fstate[32];
	void *sstate[32];
	size_t *feasible; /* node indexes */
	const sched_node **fnodes;
	int64_t *raw;  /* one plug-in's raw scores */
	int64_t *plug; /* n_scores x feasible weighted scores */
	int64_t *total;
	hist h;
} sched_work;

static void work_free(const sched_policy *p, sched_work *w)
{
	for (size_t i = 0; i < p->n_filters && i < 32; i++)
		if (w->fstate[i] && p->filters[i]->free_state)
			p->filters[i]->free_state(w->fstate[i]);
	for (size_t i = 0; i < p->n_scores && i < 32; i++)
		if (w->sstate[i] && p->scores[i]->free_state)
			p->scores[i]->free_state(w->sstate[i]);
	free(w->feasible);
	free(w->fnodes);
	free(w->raw);
	free(w->plug);
	free(w->total);
	free(w->h.v);
}

static void run_filter(const sched_policy *p, sched_work *w, size_t fi, const cJSON *pod,
		       const sched_node *n, const sched_snapshot *s, sched_status *st)
{
	const sched_filter *f = p->filters[fi];
	st->ok = true; /* the reasons are written by the filter as it adds them */
	st->n = 0;
	if (w->fstate[fi] && f->filter_state)
		f->filter_state(w->fstate[fi], pod, n, s, st);
	else
		f->filter(pod, n, s, st);
}

static cJSON *top_entry(const sched_policy *p, const sched_work *w, const sched_snapshot *s,
			size_t fpos, size_t nf)
{
	cJSON *e = cJSON_CreateObject();
	if (!e)
		return NULL;
	const sched_node *n = &s->nodes[w->feasible[fpos]];
	cJSON *plugins = NULL;
	if (!cJSON_AddStringToObject(e, "node", n->name ? n->name : "") ||
	    !cJSON_AddNumberToObject(e, "score", (double)w->total[fpos]) ||
	    !(plugins = cJSON_AddObjectToObject(e, "plugins"))) {
		cJSON_Delete(e);
		return NULL;
	}
	for (size_t k = 0; k < p->n_scores; k++) {
		if (p->weights[k] == 0)
			continue;
		if (!cJSON_AddNumberToObject(plugins, p->scores[k]->name,
					     (double)w->plug[k * nf + fpos])) {
			cJSON_Delete(e);
			return NULL;
		}
	}
	return e;
}

static cJSON *make_scorecard(const sched_policy *p, sched_work *w, const sched_snapshot *s,
			     size_t nf, int chosen_pos, size_t evaluated)
{
	cJSON *sc = cJSON_CreateObject();
	if (!sc)
		return NULL;
	cJSON *top = NULL, *filtered = NULL;
	bool ok = true;
	if (chosen_pos >= 0) {
		const char *nm = s->nodes[w->feasible[chosen_pos]].name;
		ok = cJSON_AddStringToObject(sc, "node", nm ? nm : "") != NULL;
	} else {
		ok = cJSON_AddNullToObject(sc, "node") != NULL;
	}
	ok = ok && cJSON_AddNumberToObject(sc, "feasible", (double)nf) &&
	     cJSON_AddNumberToObject(sc, "total", (double)s->n);
	if (ok && evaluated < s->n)
		ok = cJSON_AddNumberToObject(sc, "evaluated", (double)evaluated) != NULL;
	ok = ok && (top = cJSON_AddArrayToObject(sc, "top")) &&
	     (filtered = cJSON_AddObjectToObject(sc, "filtered"));
	if (!ok) {
		cJSON_Delete(sc);
		return NULL;
	}
	/* top: selection of the best SCORECARD_TOP, the chosen one first */
	size_t picked[SCORECARD_TOP];
	size_t np = 0;
	if (chosen_pos >= 0)
		picked[np++] = (size_t)chosen_pos;
	while (np < SCORECARD_TOP && np < nf) {
		size_t best = SIZE_MAX;
		for (size_t i = 0; i < nf; i++) {
			bool used = false;
			for (size_t j = 0; j < np; j++)
				used = used || picked[j] == i;
			if (used)
				continue;
			if (best == SIZE_MAX || w->total[i] > w->total[best])
				best = i;
		}
		picked[np++] = best;
	}
	for (size_t j = 0; j < np; j++) {
		cJSON *e = top_entry(p, w, s, picked[j], nf);
		if (!e) {
			cJSON_Delete(sc);
			return NULL;
		}
		cJSON_AddItemToArray(top, e);
	}
	/* filtered: the most frequent reasons */
	if (w->h.n > 1)
		qsort(w->h.v, w->h.n, sizeof(*w->h.v), cmp_count_desc);
	size_t other = 0;
	for (size_t i = 0; i < w->h.n; i++) {
		if (i >= SCORECARD_REASONS) {
			other += w->h.v[i].count;
			continue;
		}
		if (!cJSON_AddNumberToObject(filtered, w->h.v[i].text, (double)w->h.v[i].count)) {
			cJSON_Delete(sc);
			return NULL;
		}
	}
	if (other && !cJSON_AddNumberToObject(filtered, "(other reasons)", (double)other)) {
		cJSON_Delete(sc);
		return NULL;
	}
	return sc;
}

int sched_schedule(const sched_policy *p, const cJSON *pod, const sched_snapshot *s,
		   unsigned (*rnd)(void), sched_result *out)
{
	memset(out, 0, sizeof(*out));
	out->chosen = -1;
	sched_work w;
	memset(&w, 0, sizeof(w));
	size_t nn = s->n;
	size_t alloc_n = nn ? nn : 1;
	w.feasible = malloc(alloc_n * sizeof(*w.feasible));
	if (!w.feasible)
		goto enomem;
	for (size_t i = 0; i < p->n_filters && i < 32; i++) {
		const sched_filter *f = p->filters[i];
		if (f->prefilter && f->filter_state) {
			w.fstate[i] = f->prefilter(pod, s);
			if (!w.fstate[i])
				goto enomem;
		}
	}

	/* filter, from s->start, until enough feasible nodes are found */
	size_t want = num_feasible_to_find(p->percentage_of_nodes_to_score, nn);
	size_t nf = 0, evaluated = 0;
	size_t start = nn ? s->start % nn : 0;
	for (; evaluated < nn && nf < want; evaluated++) {
		size_t idx = (start + evaluated) % nn;
		const sched_node *n = &s->nodes[idx];
		sched_status status, *st = &status;
		bool ok = true;
		for (size_t fi = 0; fi < p->n_filters && fi < 32; fi++) {
			run_filter(p, &w, fi, pod, n, s, st);
			if (!st->ok) {
				ok = false;
				break;
			}
		}
		if (ok) {
			w.feasible[nf++] = idx;
			continue;
		}
		if (st->n == 0) {
			st->n = 1;
			snprintf(st->reasons[0], sizeof(st->reasons[0]),
				 "node(s) were filtered out");
		}
		for (int r = 0; r < st->n && r < SCHED_MAX_REASONS; r++)
			if (hist_add(&w.h, st->reasons[r]) < 0)
				goto enomem;
	}
	out->evaluated = evaluated;
	out->next_start = nn ? (start + evaluated) % nn : 0;
	out->feasible = nf;

	/* score */
	size_t ns = p->n_scores < 32 ? p->n_scores : 32;
	size_t alloc_f = nf ? nf : 1;
	w.fnodes = malloc(alloc_f * sizeof(*w.fnodes));
	w.raw = malloc(alloc_f * sizeof(*w.raw));
	w.plug = calloc((ns ? ns : 1) * alloc_f, sizeof(*w.plug));
	w.total = calloc(alloc_f, sizeof(*w.total));
	if (!w.fnodes || !w.raw || !w.plug || !w.total)
		goto enomem;
	for (size_t i = 0; i < nf; i++)
		w.fnodes[i] = &s->nodes[w.feasible[i]];
	for (size_t k = 0; k < ns && nf > 0; k++) {
		const sched_score *sc = p->scores[k];
		if (p->weights[k] == 0)
			continue;
		bool stateful = sc->prescore && sc->score_state;
		if (stateful) {
			w.sstate[k] = sc->prescore(pod, s, w.fnodes, nf);
			if (!w.sstate[k])
				goto enomem;
		}
		for (size_t i = 0; i < nf; i++)
			w.raw[i] = stateful ? sc->score_state(w.sstate[k], pod, w.fnodes[i], s)
					    : sc->score(pod, w.fnodes[i], s);
		if (sc->normalize)
			sc->normalize(pod, w.raw, nf);
		for (size_t i = 0; i < nf; i++) {
			int64_t v = w.raw[i];
			if (v < 0)
				v = 0;
			if (v > 100)
				v = 100;
			w.plug[k * nf + i] = v * p->weights[k];
			w.total[i] += v * p->weights[k];
		}
	}

	/* select: the highest total, ties broken at random among the tied only */
	int chosen_pos = -1;
	if (nf > 0) {
		int64_t best = w.total[0];
		size_t ties = 0;
		for (size_t i = 0; i < nf; i++) {
			if (w.total[i] > best) {
				best = w.total[i];
				ties = 0;
			}
			if (w.total[i] == best)
				ties++;
		}
		size_t pick = rnd ? (size_t)rnd() % ties : 0;
		for (size_t i = 0; i < nf; i++) {
			if (w.total[i] != best)
				continue;
			if (pick == 0) {
				chosen_pos = (int)i;
				break;
			}
			pick--;
		}
		out->chosen = (int)w.feasible[chosen_pos];
	} else if (fit_message(&w.h, nn, out->message, sizeof(out->message)) < 0) {
		goto enomem;
	}
	out->scorecard = make_scorecard(p, &w, s, nf, chosen_pos, evaluated);
	if (!out->scorecard)
		goto enomem;
	work_free(p, &w);
	return 0;
enomem:
	work_free(p, &w);
	cJSON_Delete(out->scorecard);
	out->scorecard = NULL;
	out->chosen = -1;
	snprintf(out->message, sizeof(out->message), "out of memory");
	return -1;
}
