# skbsim — a discrete-event simulator of the Linux host network path.
#
#   make run     install missing build dependencies, build, run scenarios/default.yaml
#   make check   the same, then every test (plain and ASan+UBSan builds, scenario checks)
#   make check-cluster  a sweep as a Slurm job array on a local single-node Slurm (or skipped)
#   make bench   the benchmark scenarios, printing simulated packets per wall-second
#   make lint    clang-format check of every C file
#   make fuzz    the libFuzzer targets of tests/fuzz/, FUZZ_SECONDS each (default 60)
#   make validate  regenerate docs/validation.md (skbsim against measured and published figures)
#   make install PREFIX=/usr/local
#   make install PREFIX=/usr/local   (the binary, scenarios, docs and the man page skbsim(1))

PREFIX    ?= /usr/local
CC        ?= cc
PKGS      := yaml-0.1 libcjson libpcap check
DEB_PKGS  := build-essential pkg-config libyaml-dev libcjson-dev libpcap-dev check libsubunit-dev
VERSION   := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

WARN      := -Wall -Wextra -Werror -Wshadow -Wundef -Wconversion -Wno-sign-conversion \
	     -Wmissing-prototypes -Wstrict-prototypes -Wpointer-arith -Wwrite-strings \
	     -Wformat=2 -Wvla
# -O3 and link-time optimisation: the packet path crosses many small files (the
# event queue, skb helpers, cost conversions), which LTO inlines across; neither
# changes floating-point results (no -ffast-math, no FMA contraction on x86-64's
# baseline), so every output stays byte-identical (tests/same-results.sh).
OPT       ?= -O3 -g -flto=auto
BASE_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -DSKBSIM_VERSION='"$(VERSION)"' -I. $(WARN)
DEP_CFLAGS  = $(shell pkg-config --cflags yaml-0.1 libcjson libpcap 2>/dev/null)
DEP_LIBS    = $(shell pkg-config --libs yaml-0.1 libcjson libpcap 2>/dev/null) -lm
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null)

SIM_SRC    := $(sort $(wildcard sim/*.c))
MODEL_SRC  := $(sort $(wildcard models/*.c models/*/*.c))
LIB_SRC    := $(SIM_SRC) $(MODEL_SRC)
MAIN_SRC   := tools/skbsim.c
TOOL_SRC   := $(filter-out $(MAIN_SRC) tools/kbench.c,$(sort $(wildcard tools/*.c)))
LIB_SRC    += $(TOOL_SRC)
TEST_SRC   := $(sort $(wildcard tests/*.c))
PROFILES   := $(sort $(wildcard profiles/*.yaml))

B          := build
GEN_OBJ    := $(B)/gen/profiles.o
LIB_OBJ    := $(LIB_SRC:%.c=$(B)/%.o) $(GEN_OBJ)
MAIN_OBJ   := $(MAIN_SRC:%.c=$(B)/%.o)
TEST_OBJ   := $(TEST_SRC:%.c=$(B)/%.o)
A          := build/asan
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ASAN_LIB_OBJ  := $(LIB_SRC:%.c=$(A)/%.o) $(A)/gen/profiles.o
ASAN_TEST_OBJ := $(TEST_SRC:%.c=$(A)/%.o)

.PHONY: all run check test test-asan bench lint format clean install deps scenarios-check \
	hostile-check fuzz fuzz-check fuzz-regress sweep-check test-deps check-cluster \
	calibrate-check validate

all: deps skbsim $(B)/kbench

# --- dependencies -----------------------------------------------------------
# Installs what pkg-config cannot find, with apt-get (through sudo when not root).
deps: $(B)/.deps-ok
$(B)/.deps-ok:
	@./tools/install-deps.sh $(PKGS) -- $(DEB_PKGS)
	@mkdir -p $(B) && touch $@

# --- the simulator ----------------------------------------------------------
skbsim: $(B)/.deps-ok $(LIB_OBJ) $(MAIN_OBJ) $(B)/kbench
	$(CC) $(OPT) -o $@ $(LIB_OBJ) $(MAIN_OBJ) $(DEP_LIBS)

# The shipped profiles, compiled in (models/profile.h: profile_builtins[]).
$(B)/gen/profiles.c: $(PROFILES) profiles tools/embed-profiles.sh
	@mkdir -p $(dir $@)
	./tools/embed-profiles.sh $@ $(PROFILES)

$(B)/gen/profiles.o: $(B)/gen/profiles.c $(B)/.deps-ok
	$(CC) $(BASE_CFLAGS) $(OPT) -MMD -MP -c -o $@ $<

$(A)/gen/profiles.o: $(B)/gen/profiles.c $(B)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(ASAN_FLAGS) -MMD -MP -c -o $@ $<

# kbench: the real-kernel microbenchmark `skbsim calibrate` runs (Linux only).
$(B)/kbench: tools/kbench.c
	@mkdir -p $(B)
	$(CC) $(BASE_CFLAGS) $(OPT) -o $@ $<

$(B)/%.o: %.c $(B)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(OPT) $(DEP_CFLAGS) $(CHECK_CFLAGS) -MMD -MP -c -o $@ $<

$(A)/%.o: %.c $(B)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(ASAN_FLAGS) $(DEP_CFLAGS) $(CHECK_CFLAGS) -MMD -MP -c -o $@ $<

-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(MAIN_OBJ:.o=.d)
-include $(ASAN_LIB_OBJ:.o=.d) $(ASAN_TEST_OBJ:.o=.d)

run: all
	./skbsim run scenarios/default.yaml

# --- tests ------------------------------------------------------------------
$(B)/check_all: $(LIB_OBJ) $(TEST_OBJ)
	$(CC) $(OPT) -o $@ $^ $(DEP_LIBS) $(CHECK_LIBS)

$(A)/check_all: $(ASAN_LIB_OBJ) $(ASAN_TEST_OBJ)
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(DEP_LIBS) $(CHECK_LIBS)

# The suites run in TEST_JOBS shards at once (tests/run-shards.sh), one per core.
TEST_JOBS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt 4 ] && n=4; echo $$n)

test: all $(B)/check_all
	cd tests && ./run-shards.sh $(TEST_JOBS) ../$(B)/check_all

test-asan: all $(A)/check_all
	cd tests && CK_TIMEOUT_MULTIPLIER=$${CK_TIMEOUT_MULTIPLIER:-3} ASAN_OPTIONS=detect_leaks=1 \
		UBSAN_OPTIONS=print_stacktrace=1 ./run-shards.sh $(TEST_JOBS) ../$(A)/check_all

scenarios-check: all
	./tests/scenarios.sh
	./tests/safety.sh
	./tests/pcap.sh
	./tests/formats.sh
	./tests/timeseries.sh
	@./tools/install-deps.sh cmd:chromium -- chromium || echo "deps: chromium not installed"
	./tests/html.sh
	./tests/trace.sh

# tests/test_calibrate.py: the fit on synthetic data, the profile writer, the
# command's errors, and (as root) `skbsim calibrate --quick` (about a minute).
calibrate-check: all
	@./tools/install-deps.sh py:yaml -- python3-yaml
	python3 tests/test_calibrate.py


# GNU parallel for tests/sweep.sh's scale-out test (skipped there when it cannot be had).
test-deps:
	@command -v parallel >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && \
		command -v apt-get >/dev/null 2>&1 && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq parallel >/dev/null; } || \
		echo "test-deps: GNU parallel not installed; its test will be skipped"

sweep-check: all test-deps
	./tests/sweep.sh

# A sweep as a Slurm job array on a single-node Slurm (munge + slurm-wlm) started on
# localhost by the script; skipped, with the reason, when the daemons cannot start.
check-cluster: all
	./tests/cluster.sh


hostile-check: all
	./tests/hostile.sh

check: all test test-asan scenarios-check hostile-check sweep-check calibrate-check fuzz-check lint

# --- fuzzing ----------------------------------------------------------------
# libFuzzer targets (clang, ASan+UBSan) in tests/fuzz/. `make fuzz` runs each
# for FUZZ_SECONDS on a corpus seeded from scenarios/ and the regression
# inputs of tests/fuzz/regress/<target>/ (every input that ever crashed or
# hung); new crashes land in build/fuzz/artifacts/. `make check` runs the
# regression inputs and FUZZ_CHECK_SECONDS of each target, and skips with a
# message when clang with libFuzzer cannot be installed.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 25
FUZZ_TARGETS := load set run
FZ           := build/fuzz
FUZZ_FLAGS   := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
		-fno-omit-frame-pointer
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FZ)/%.o) $(FZ)/gen/profiles.o
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FZ)/fuzz_%)
FUZZ_RUN_OPTS = -timeout=10 -rss_limit_mb=2560 -dict=tests/fuzz/scenario.dict \
		-print_final_stats=0

$(FZ)/.clang-ok:
	@./tools/install-deps.sh cmd:$(FUZZ_CC) -- clang || true
	@mkdir -p $(FZ)
	@printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n; }\n' \
		>$(FZ)/probe.c
	@if $(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $(FZ)/probe $(FZ)/probe.c \
		2>/dev/null; then touch $@; else \
		echo "fuzz: $(FUZZ_CC) with libFuzzer is not available (install clang); fuzzing skipped"; fi

$(FZ)/%.o: %.c $(B)/.deps-ok
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(BASE_CFLAGS) -w $(FUZZ_FLAGS) \
		-fsanitize=fuzzer-no-link $(DEP_CFLAGS) -MMD -MP -c -o $@ $<

$(FZ)/gen/profiles.o: $(B)/gen/profiles.c $(B)/.deps-ok
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(BASE_CFLAGS) -w $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FZ)/fuzz_%: $(FUZZ_LIB_OBJ) $(FZ)/tests/fuzz/fuzz_%.o
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $^ $(DEP_LIBS)

.SECONDARY: $(FUZZ_LIB_OBJ) $(FUZZ_TARGETS:%=$(FZ)/tests/fuzz/fuzz_%.o)
-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_TARGETS:%=$(FZ)/tests/fuzz/fuzz_%.d)

# $(call fuzz_run,target,seconds): the regression inputs once, then fuzz for a while
define fuzz_run
	@mkdir -p $(FZ)/corpus/$(1) $(FZ)/artifacts tests/fuzz/regress/$(1)
	@if ls tests/fuzz/regress/$(1)/* >/dev/null 2>&1; then \
		$(FZ)/fuzz_$(1) $(FUZZ_RUN_OPTS) tests/fuzz/regress/$(1)/* 2>$(FZ)/$(1).regress.log || \
		{ tail -n 40 $(FZ)/$(1).regress.log; exit 1; }; fi
	@echo "fuzz: $(1): $$(ls tests/fuzz/regress/$(1) | wc -l) regression inputs pass; fuzzing $(2) s"
	@$(FZ)/fuzz_$(1) $(FUZZ_RUN_OPTS) -max_total_time=$(2) -artifact_prefix=$(FZ)/artifacts/$(1)- \
		$(FZ)/corpus/$(1) scenarios tests/fuzz/regress/$(1) 2>$(FZ)/$(1).log || \
		{ tail -n 60 $(FZ)/$(1).log; echo "fuzz: $(1) found a problem: $$(ls $(FZ)/artifacts/$(1)-*)"; \
		  echo "fuzz: keep it as a regression input in tests/fuzz/regress/$(1)/"; exit 1; }
	@echo "fuzz: $(1): $$(grep -o 'cov: [0-9]*' $(FZ)/$(1).log | tail -n 1), corpus $$(ls $(FZ)/corpus/$(1) | wc -l) inputs"
endef

fuzz: all $(FZ)/.clang-ok
	@if [ -f $(FZ)/.clang-ok ]; then $(MAKE) --no-print-directory fuzz-go FUZZ_T=$(FUZZ_SECONDS); \
	else echo "fuzz: needs $(FUZZ_CC) with libFuzzer" >&2; exit 1; fi

fuzz-check: all $(FZ)/.clang-ok
	@if [ -f $(FZ)/.clang-ok ]; then $(MAKE) --no-print-directory fuzz-go FUZZ_T=$(FUZZ_CHECK_SECONDS); \
	else echo "fuzz: skipped (no clang with libFuzzer)"; fi

fuzz-go: $(FUZZ_BINS)
	$(call fuzz_run,load,$(FUZZ_T))
	$(call fuzz_run,set,$(FUZZ_T))
	$(call fuzz_run,run,$(FUZZ_T))

# --- benchmark --------------------------------------------------------------
bench: all
	./tests/bench.sh

# --- validation -------------------------------------------------------------
# docs/validation.md from the stored measurements (tests/kernel-ref/calib.csv)
# and the published figures; no root needed.
validate: all
	@./tools/install-deps.sh py:yaml -- python3-yaml
	python3 tools/validate.py

# --- style ------------------------------------------------------------------
C_FILES = $(sort $(wildcard sim/*.[ch] models/*.[ch] models/*/*.[ch] tools/*.[ch] tests/*.[ch] tests/fuzz/*.[ch]))
lint:
	@if command -v clang-format >/dev/null 2>&1; then \
		clang-format --dry-run --Werror $(C_FILES) && echo "lint: clang-format clean"; \
	else echo "lint: clang-format not installed, skipped"; fi
	@! grep -l '#include "models' sim/*.c sim/*.h || { echo "lint: sim/ includes models/"; exit 1; }
	@python3 tools/deps-check.py

format:
	clang-format -i $(C_FILES)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/skbsim/scenarios \
		$(DESTDIR)$(PREFIX)/share/skbsim/profiles \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/doc/skbsim
	install -m 0755 skbsim $(DESTDIR)$(PREFIX)/bin/skbsim
	install -m 0644 scenarios/*.yaml $(DESTDIR)$(PREFIX)/share/skbsim/scenarios/
	install -m 0644 profiles/*.yaml $(DESTDIR)$(PREFIX)/share/skbsim/profiles/
	install -m 0644 docs/skbsim.1 $(DESTDIR)$(PREFIX)/share/man/man1/skbsim.1
	install -m 0644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/skbsim/
	install -m 0755 tools/calibrate.py $(B)/kbench $(DESTDIR)$(PREFIX)/share/skbsim/
	install -m 0644 tests/kernel-ref/knetns.py $(DESTDIR)$(PREFIX)/share/skbsim/

clean:
	rm -rf $(B) skbsim
