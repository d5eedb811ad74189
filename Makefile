# skbsim — a discrete-event simulator of the Linux host network path.
#
#   make run     install missing build dependencies, build, run scenarios/default.yaml
#   make check   the same, then every test (plain and ASan+UBSan builds, scenario checks)
#   make bench   the benchmark scenarios, printing simulated packets per wall-second
#   make lint    clang-format check of every C file
#   make validate  regenerate docs/validation.md (skbsim against measured and published figures)
#   make install PREFIX=/usr/local

PREFIX    ?= /usr/local
CC        ?= cc
PKGS      := yaml-0.1 libcjson check
DEB_PKGS  := build-essential pkg-config libyaml-dev libcjson-dev check libsubunit-dev
VERSION   := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

WARN      := -Wall -Wextra -Werror -Wshadow -Wundef -Wconversion -Wno-sign-conversion \
	     -Wmissing-prototypes -Wstrict-prototypes -Wpointer-arith -Wwrite-strings \
	     -Wformat=2 -Wvla
OPT       ?= -O2 -g
BASE_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -DSKBSIM_VERSION='"$(VERSION)"' -I. $(WARN)
DEP_CFLAGS  = $(shell pkg-config --cflags yaml-0.1 libcjson 2>/dev/null)
DEP_LIBS    = $(shell pkg-config --libs yaml-0.1 libcjson 2>/dev/null) -lm
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null)

SIM_SRC    := $(sort $(wildcard sim/*.c))
MODEL_SRC  := $(sort $(wildcard models/*.c))
LIB_SRC    := $(SIM_SRC) $(MODEL_SRC)
MAIN_SRC   := tools/skbsim.c tools/calibrate_cmd.c
TEST_SRC   := $(sort $(wildcard tests/*.c))

B          := build
LIB_OBJ    := $(LIB_SRC:%.c=$(B)/%.o)
TEST_OBJ   := $(TEST_SRC:%.c=$(B)/%.o)
A          := build/asan
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ASAN_LIB_OBJ  := $(LIB_SRC:%.c=$(A)/%.o)
ASAN_TEST_OBJ := $(TEST_SRC:%.c=$(A)/%.o)

.PHONY: all run check test test-asan bench lint format clean install deps scenarios-check \
	calibrate-check validate

all: deps skbsim $(B)/kbench

# --- dependencies -----------------------------------------------------------
# Installs what pkg-config cannot find, with apt-get (through sudo when not root).
deps: $(B)/.deps-ok
$(B)/.deps-ok:
	@./tools/install-deps.sh $(PKGS) -- $(DEB_PKGS)
	@mkdir -p $(B) && touch $@

# --- the simulator ----------------------------------------------------------
skbsim: $(B)/.deps-ok $(LIB_OBJ) $(B)/tools/skbsim.o $(B)/tools/calibrate_cmd.o
	$(CC) $(OPT) -o $@ $(LIB_OBJ) $(B)/tools/skbsim.o $(B)/tools/calibrate_cmd.o $(DEP_LIBS)

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

-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(B)/tools/skbsim.d $(B)/tools/calibrate_cmd.d
-include $(ASAN_LIB_OBJ:.o=.d) $(ASAN_TEST_OBJ:.o=.d)

run: all
	./skbsim run scenarios/default.yaml

# --- tests ------------------------------------------------------------------
$(B)/check_all: $(LIB_OBJ) $(TEST_OBJ)
	$(CC) $(OPT) -o $@ $^ $(DEP_LIBS) $(CHECK_LIBS)

$(A)/check_all: $(ASAN_LIB_OBJ) $(ASAN_TEST_OBJ)
	$(CC) $(ASAN_FLAGS) -o $@ $^ $(DEP_LIBS) $(CHECK_LIBS)

test: all $(B)/check_all
	cd tests && ../$(B)/check_all

test-asan: all $(A)/check_all
	cd tests && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ../$(A)/check_all

scenarios-check: all
	./tests/scenarios.sh

# tests/test_calibrate.py: the fit on synthetic data, the profile writer, the
# command's errors, and (as root) `skbsim calibrate --quick` (about a minute).
calibrate-check: all
	python3 tests/test_calibrate.py

check: all test test-asan scenarios-check calibrate-check lint

# --- benchmark --------------------------------------------------------------
bench: all
	./tests/bench.sh

# --- validation -------------------------------------------------------------
# docs/validation.md from the stored measurements (tests/kernel-ref/calib.csv)
# and the published figures; no root needed.
validate: all
	python3 tools/validate.py

# --- style ------------------------------------------------------------------
C_FILES = $(sort $(wildcard sim/*.[ch] models/*.[ch] tools/*.c tests/*.[ch]))
lint:
	@if command -v clang-format >/dev/null 2>&1; then \
		clang-format --dry-run --Werror $(C_FILES) && echo "lint: clang-format clean"; \
	else echo "lint: clang-format not installed, skipped"; fi

format:
	clang-format -i $(C_FILES)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/skbsim/scenarios
	install -m 0755 skbsim $(DESTDIR)$(PREFIX)/bin/skbsim
	install -m 0644 scenarios/*.yaml $(DESTDIR)$(PREFIX)/share/skbsim/scenarios/
	install -m 0755 tools/calibrate.py $(B)/kbench $(DESTDIR)$(PREFIX)/share/skbsim/
	install -m 0644 tests/kernel-ref/knetns.py $(DESTDIR)$(PREFIX)/share/skbsim/

clean:
	rm -rf $(B) skbsim
