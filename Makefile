# cube's build.  `make` builds lib/libcube.a and every binary into bin/;
# `make test` builds everything again with ASan+UBSan under build/asan and runs
# every test layer (tests/run.sh); `make fuzz` runs each libFuzzer target for a
# bounded time; `make bench` runs bench/; `make lint` runs cppcheck and
# clang-format; `make up` starts a cluster (scripts/up.sh).
#
# Sources are found by convention so that adding a module needs no edit here:
#   lib/*.c                    -> libcube.a
#   <component>/*.c            -> bin/<binary> (see BINARIES below)
#   tests/unit/test_*.c        -> one criterion binary each
#   tests/integration/test_*.c -> one criterion binary each, linked with tests/harness/*.c
#   fuzz/fuzz_*.c              -> a libFuzzer target (clang) and a replay binary (gcc)

SHELL := /bin/bash
.DEFAULT_GOAL := all
CC ?= gcc
PKGS := libcjson libcurl libmicrohttpd yaml-0.1 libnl-3.0 libnl-route-3.0 libcrypto libarchive zlib

# Deps first: pkg-config answers only once the -dev packages exist.
DEPS_STAMP := build/.deps-ok
$(DEPS_STAMP): scripts/deps.sh
	@bash scripts/deps.sh
	@mkdir -p build && touch $@

ifeq ($(MAKECMDGOALS),deps)
PKG_CFLAGS :=
PKG_LIBS :=
else
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
endif

# `make V=1` shows the full command lines.
V ?= 0
ifeq ($(V),0)
Q := @
else
Q :=
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral -Wvla
BASE_CFLAGS = -std=gnu11 $(WARN) -D_GNU_SOURCE -I. -Ilib -Itests/harness -pthread -MMD -MP $(PKG_CFLAGS)
REL_CFLAGS := -O2 -g -fno-omit-frame-pointer
SAN_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDLIBS = $(PKG_LIBS) -pthread -lm

LIB_SRC := $(sort $(wildcard lib/*.c))
LIB_HDR := $(wildcard lib/*.h)

# Binaries: name -> folder.  A binary is built once its folder has a main.c.
BINARIES := cube-apiserver:apiserver cube-scheduler:scheduler \
	cube-controller-manager:controller cubelet:kubelet cube-proxy:proxy \
	cubectl:cli cube:lab
bin_name = $(word 1,$(subst :, ,$1))
bin_dir = $(word 2,$(subst :, ,$1))
BUILT_BINS := $(foreach b,$(BINARIES),$(if $(wildcard $(call bin_dir,$b)/main.c),$b))

# A component's logic (every .c of its folder but main.c) goes into one
# archive, libcomponents.a, so that tests, fuzzers and benchmarks link the
# same code as the binaries; a binary is its main.o plus the archives.
COMP_DIRS := $(foreach b,$(BUILT_BINS),$(call bin_dir,$b))
COMP_SRC := $(foreach d,$(COMP_DIRS),$(filter-out $d/main.c,$(wildcard $d/*.c)))

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
INTEG_SRC := $(sort $(wildcard tests/integration/test_*.c))
HARNESS_SRC := $(sort $(wildcard tests/harness/*.c))
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
BENCH_SRC := $(sort $(wildcard bench/*/bench_*.c))

.PHONY: all deps test unit integration fuzz fuzz-replay bench lint format up down clean
all: $(DEPS_STAMP) lib/libcube.a $(foreach b,$(BUILT_BINS),bin/$(call bin_name,$b))

deps:
	@bash scripts/deps.sh
	@mkdir -p build && touch $(DEPS_STAMP)

# ---- release build ----------------------------------------------------------
build/rel/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(BASE_CFLAGS) $(REL_CFLAGS) -c $< -o $@

lib/libcube.a: $(LIB_SRC:%.c=build/rel/%.o)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)ar rcs $@ $^

build/rel/libcomponents.a: $(COMP_SRC:%.c=build/rel/%.o)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)ar rcs $@ $^

define BIN_RULE
bin/$(call bin_name,$1): build/rel/$(call bin_dir,$1)/main.o build/rel/libcomponents.a lib/libcube.a
	@mkdir -p bin
	@echo "  LD      $$@"
	$$(Q)$$(CC) $$(REL_CFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach b,$(BUILT_BINS),$(eval $(call BIN_RULE,$b)))

# ---- sanitizer build (tests) ------------------------------------------------
build/asan/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC/SAN  $<"
	$(Q)$(CC) $(BASE_CFLAGS) $(SAN_CFLAGS) -c $< -o $@

build/asan/libcube.a: $(LIB_SRC:%.c=build/asan/%.o)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)ar rcs $@ $^

build/asan/libcomponents.a: $(COMP_SRC:%.c=build/asan/%.o)
	@rm -f $@
	@echo "  AR      $@"
	$(Q)ar rcs $@ $^

build/asan/tests/unit/%: build/asan/tests/unit/%.o build/asan/libcomponents.a build/asan/libcube.a
	@echo "  LD      $@"
	$(Q)$(CC) $(SAN_CFLAGS) -o $@ $^ -lcriterion $(LDLIBS)

build/asan/tests/integration/%: build/asan/tests/integration/%.o $(HARNESS_SRC:%.c=build/asan/%.o) build/asan/libcomponents.a build/asan/libcube.a
	@echo "  LD      $@"
	$(Q)$(CC) $(SAN_CFLAGS) -o $@ $^ -lcriterion $(LDLIBS)

# Replay binaries: the fuzz target plus fuzz/replay_main.c, built with gcc and
# the sanitizers, run over the kept corpus by `make test`.
build/asan/fuzz/replay_%: build/asan/fuzz/fuzz_%.o build/asan/fuzz/replay_main.o $(HARNESS_SRC:%.c=build/asan/%.o) build/asan/libcomponents.a build/asan/libcube.a
	@echo "  LD      $@"
	$(Q)$(CC) $(SAN_CFLAGS) -o $@ $^ $(LDLIBS)

SAN_BINS := $(foreach b,$(BUILT_BINS),build/asan/bin/$(call bin_name,$b))
define SAN_BIN_RULE
build/asan/bin/$(call bin_name,$1): build/asan/$(call bin_dir,$1)/main.o build/asan/libcomponents.a build/asan/libcube.a
	@mkdir -p build/asan/bin
	@echo "  LD      $$@"
	$$(Q)$$(CC) $$(SAN_CFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach b,$(BUILT_BINS),$(eval $(call SAN_BIN_RULE,$b)))

UNIT_BINS := $(UNIT_SRC:%.c=build/asan/%)
INTEG_BINS := $(INTEG_SRC:%.c=build/asan/%)
REPLAY_BINS := $(patsubst fuzz/fuzz_%.c,build/asan/fuzz/replay_%,$(FUZZ_SRC))

.PRECIOUS: build/asan/%.o build/rel/%.o

test: $(DEPS_STAMP) all $(UNIT_BINS) $(INTEG_BINS) $(REPLAY_BINS) $(SAN_BINS)
	@bash tests/run.sh

unit: $(UNIT_BINS)
	@bash tests/run.sh unit

integration: $(INTEG_BINS) $(SAN_BINS)
	@bash tests/run.sh integration

fuzz-replay: $(REPLAY_BINS)
	@bash tests/run.sh fuzz

# ---- fuzzing (clang + libFuzzer) ---------------------------------------------
FUZZ_SECONDS ?= 30
FUZZ_CFLAGS = -std=gnu11 -D_GNU_SOURCE -I. -Ilib -Itests/harness -g -O1 -pthread \
	-fsanitize=fuzzer,address,undefined $(PKG_CFLAGS)
FUZZ_DEPS := $(LIB_SRC) $(COMP_SRC) $(HARNESS_SRC)
build/fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_DEPS) | $(DEPS_STAMP)
	@mkdir -p build/fuzz
	@echo "  FUZZ    $@"
	$(Q)clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_DEPS) $(LDLIBS)

fuzz: $(patsubst fuzz/fuzz_%.c,build/fuzz/fuzz_%,$(FUZZ_SRC))
	@set -o pipefail; export TMPDIR=$$(mktemp -d /tmp/cube-fuzz.XXXXXX); trap 'rm -rf "$$TMPDIR"' EXIT; \
	for f in $^; do n=$${f##*/fuzz_}; mkdir -p fuzz/corpus/$$n build/fuzz/new-$$n; \
	  echo "== fuzz $$n ($(FUZZ_SECONDS)s)"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build/fuzz/new-$$n fuzz/corpus/$$n \
	    2>&1 | tail -3 || exit 1; done

# ---- benchmarks ----------------------------------------------------------------
BENCH_BINS := $(patsubst %.c,build/rel/%,$(BENCH_SRC))
build/rel/bench/%: build/rel/bench/%.o $(HARNESS_SRC:%.c=build/rel/%.o) build/rel/libcomponents.a lib/libcube.a
	@echo "  LD      $@"
	$(Q)$(CC) $(REL_CFLAGS) -o $@ $^ $(LDLIBS)

# Each bench/<name>/run.sh prints its tables; bench/results.sh runs them
# (BENCH=etcd runs one) and writes bench/RESULTS.md from what they printed.
bench: all $(BENCH_BINS)
	@BENCH=$(BENCH) bash bench/results.sh

# ---- lint -----------------------------------------------------------------------
# cppcheck reads everything but the criterion tests (it cannot expand Test()).
lint: $(DEPS_STAMP)
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	  --inline-suppr --suppress=missingIncludeSystem -D__GNUC__ -Ilib \
	  lib $(foreach b,$(BUILT_BINS),$(call bin_dir,$b)) tests/harness fuzz bench
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

# ---- the cluster -------------------------------------------------------------------
up: all
	@bash scripts/up.sh

down:
	@bash scripts/down.sh

clean:
	rm -rf build bin lib/libcube.a

-include $(shell find build -name '*.d' 2>/dev/null)
