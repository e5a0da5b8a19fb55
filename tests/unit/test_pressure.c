/* test_pressure.c - kubelet/pressure.c: the reserved and eviction flags,
 * node allocatable, and the pressure conditions from the signals. */
#include <criterion/criterion.h>
#include <string.h>

#include "kubelet/pressure.h"

Test(pressure, reserved_flags_parse_as_the_kubelets)
{
	node_resources r;
	cube_err err = CUBE_ERR_INIT;
	cr_assert_eq(reserved_parse("cpu=250m, memory=256Mi,ephemeral-storage=1Gi", &r, &err), 0,
		     "%s", err.msg);
	cr_expect_eq(r.cpu_milli, 250);
	cr_expect_eq(r.memory, 256LL << 20);
	cr_expect_eq(r.storage, 1LL << 30);
	cr_assert_eq(reserved_parse(NULL, &r, &err), 0);
	cr_expect(r.cpu_milli == 0 && r.memory == 0 && r.storage == 0);
	cr_expect_eq(reserved_parse("cpu=lots", &r, &err), -1);
	cr_expect(strstr(err.msg, "cpu=lots"), "%s", err.msg);
	cr_expect_eq(reserved_parse("gpu=1", &r, &err), -1);
	cr_expect_eq(reserved_parse("memory", &r, &err), -1);
	cr_expect(strstr(err.msg, "want name=value"), "%s", err.msg);
	cr_expect_eq(reserved_parse("memory=-1Gi", &r, &err), -1);
}

Test(pressure, eviction_thresholds_absolute_and_percent)
{
	eviction_hard h;
	cube_err err = CUBE_ERR_INIT;
	cr_assert_eq(eviction_hard_parse(EVICTION_HARD_DEFAULT, &h, &err), 0, "%s", err.msg);
	cr_expect_eq(eviction_threshold(&h.memory, 8LL << 30), 100LL << 20);
	cr_expect_eq(eviction_threshold(&h.nodefs, 1000), 100);
	cr_assert_eq(eviction_hard_parse("nodefs.available<0%,imagefs.available<15%,"
					 "nodefs.inodesFree<5%",
					 &h, &err),
		     0, "%s", err.msg);
	cr_expect_eq(eviction_threshold(&h.nodefs, 1000), 0);
	cr_expect_eq(eviction_threshold(&h.memory, 1000), 0, "an unnamed signal has none");
	cr_expect_eq(eviction_hard_parse("memory.available<101%", &h, &err), -1);
	cr_expect_eq(eviction_hard_parse("memory.available<x", &h, &err), -1);
	cr_expect_eq(eviction_hard_parse("cpu.available<1", &h, &err), -1);
	cr_expect(strstr(err.msg, "cpu.available<1"), "%s", err.msg);
	cr_expect_eq(eviction_hard_parse("memory.available=1Gi", &h, &err), -1);
}

Test(pressure, allocatable_is_capacity_less_reservations_and_threshold)
{
	node_resources cap = {4000, 8LL << 30, 100LL << 30}, kube = {100, 256LL << 20, 1LL << 30},
		       sys = {50, 0, 0};
	eviction_hard h;
	eviction_hard_parse(EVICTION_HARD_DEFAULT, &h, NULL);
	node_resources a = node_allocatable(&cap, &kube, &sys, &h);
	cr_expect_eq(a.cpu_milli, 3850);
	cr_expect_eq(a.memory, (8LL << 30) - (256LL << 20) - (100LL << 20));
	cr_expect_eq(a.storage, (100LL << 30) - (1LL << 30) - (10LL << 30));
	node_resources tiny = {10, 1 << 20, 0};
	a = node_allocatable(&tiny, &kube, &sys, &h);
	cr_expect(a.cpu_milli == 0 && a.memory == 0 && a.storage == 0, "never below zero");
}

Test(pressure, conditions_follow_the_signals)
{
	eviction_hard h;
	eviction_hard_parse(EVICTION_HARD_DEFAULT, &h, NULL);
	node_signals s = {.mem_total = 8LL << 30,
			  .mem_available = 99LL << 20,
			  .fs_total = 1000,
			  .fs_available = 500};
	cr_expect(memory_pressure(&s, &h));
	cr_expect(!disk_pressure(&s, &h));
	s.mem_available = 101LL << 20;
	s.fs_available = 99;
	cr_expect(!memory_pressure(&s, &h));
	cr_expect(disk_pressure(&s, &h));
	eviction_hard_parse("memory.available<0,nodefs.available<0%", &h, NULL);
	s.mem_available = 0;
	s.fs_available = 0;
	cr_expect(!memory_pressure(&s, &h) && !disk_pressure(&s, &h), "0 never fires");
	/* the machine's own figures are readable */
	cr_assert_eq(node_signals_read("/", &s), 0);
	cr_expect(s.mem_total > 0 && s.mem_available > 0 && s.mem_available <= s.mem_total);
	cr_expect(s.fs_total > 0 && s.fs_available <= s.fs_total);
	cr_expect_eq(node_signals_read("/no/such/dir", &s), -1);
}
