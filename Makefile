# Makefile — builds ./ormsh and ./orm.so, runs the tests (make test), the
# tests under AddressSanitizer + UBSan (make asan) and the benchmarks
# (make bench). `make deps` installs missing Debian packages; every other
# target runs it first, so a fresh Debian machine needs nothing else.

BUILD   ?= build
OPT     ?= -O2
SAN     ?=
PREFIX  ?= /usr/local
LUA_CMOD_DIR = $(PREFIX)/lib/lua/5.4

# Backends the Lua-level tests run on (make test BACKENDS=sqlite runs one).
# Set before TEST_DEBS, which reads it to pick the servers to install.
BACKENDS ?= sqlite postgresql mysql

# What building needs (make, make shell): the compiler too, which no -dev
# package pulls in when apt's recommends are off ...
DEBS := gcc libc6-dev pkg-config liblua5.4-dev libsqlite3-dev sqlite3 libedit-dev libpq-dev libmariadb-dev \
        libmicrohttpd-dev
# ... and what the tests add: cmocka, a stock lua5.4, tmux for the terminal
# tests, and the database servers the Lua-level tests run against.
TEST_DEBS := libcmocka-dev lua5.4 tmux prometheus curl graphviz $(if $(filter postgresql,$(BACKENDS)),postgresql) \
             $(if $(filter mysql,$(BACKENDS)),mariadb-server)

CORE_SRC  := $(wildcard core/*.c)
BIND_SRC  := $(wildcard bindings/*.c)
SHELL_SRC := $(wildcard shell/*.c)
UNIT_SRC  := $(wildcard tests/unit/test_*.c)

CORE_OBJ  := $(CORE_SRC:%.c=$(BUILD)/%.o)
BIND_OBJ  := $(BIND_SRC:%.c=$(BUILD)/%.o)
SHELL_OBJ := $(SHELL_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps test-deps install-debs build test asan bench install clean shell check-unit \
        fresh-check lint format compile_commands.json coverage coverage-report fuzz fuzz-build stress
all: deps
	@$(MAKE) --no-print-directory build

ifneq ($(filter-out deps test-deps install-debs clean,$(or $(MAKECMDGOALS),all)),)
-include $(BUILD)/config.mk
endif

$(BUILD)/config.mk: Makefile | deps
	@mkdir -p $(BUILD)
	@{ echo "PKG_CFLAGS := $$(pkg-config --cflags lua5.4 sqlite3 libedit libpq libmariadb libmicrohttpd)"; \
	   echo "LUA_LIBS := $$(pkg-config --libs lua5.4)"; \
	   echo "SQLITE_LIBS := $$(pkg-config --libs sqlite3)"; \
	   echo "SERVER_LIBS := $$(pkg-config --libs libpq libmariadb)"; \
	   echo "EDIT_LIBS := $$(pkg-config --libs libedit)"; \
   echo "HTTP_LIBS := $$(pkg-config --libs libmicrohttpd) -lpthread"; \
	   true; } > $@
# cmocka comes with the test packages, after this file is written
CMOCKA_LIBS := -lcmocka

deps:
	@$(MAKE) --no-print-directory install-debs PKGS="$(DEBS)"

test-deps:
	@$(MAKE) --no-print-directory install-debs PKGS="$(DEBS) $(TEST_DEBS)"

# apt-get update once, then install whatever of PKGS is missing.
install-debs:
	@missing=""; for p in $(PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing" >&2; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >&2; \
	fi

CFLAGS_ALL = -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror \
             -g -fPIC -fvisibility=hidden $(OPT) $(SAN) $(PKG_CFLAGS) -Icore -Ibindings $(CFLAGS)
# Fault injection (core/fault.c): our objects' allocations go through wrappers.
WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup
LDFLAGS_ALL = $(SAN) $(WRAP) $(LDFLAGS)

build: ormsh orm.so

ormsh: $(BUILD)/ormsh
	cp $< $@
orm.so: $(BUILD)/orm.so
	cp $< $@

$(BUILD)/ormsh: $(CORE_OBJ) $(BIND_OBJ) $(SHELL_OBJ)
	$(CC) $(LDFLAGS_ALL) -Wl,-E -o $@ $^ $(LUA_LIBS) $(SQLITE_LIBS) $(SERVER_LIBS) $(EDIT_LIBS) $(HTTP_LIBS) -lm -ldl

# The Lua module does not link liblua: the interpreter loading it provides the API.
$(BUILD)/orm.so: $(CORE_OBJ) $(BIND_OBJ)
	$(CC) $(LDFLAGS_ALL) -shared -o $@ $^ $(SQLITE_LIBS) $(SERVER_LIBS) -lm

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

$(BUILD)/tests/test_%: tests/unit/test_%.c $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(CMOCKA_CFLAGS) -o $@ $< $(CORE_OBJ) $(LDFLAGS_ALL) $(CMOCKA_LIBS) $(SQLITE_LIBS) $(SERVER_LIBS) -lm

check-unit: $(UNIT_BIN)

test: test-deps
	@$(MAKE) --no-print-directory build check-unit
	@BUILD=$(BUILD) ORMSH=$(CURDIR)/$(BUILD)/ormsh BACKENDS="$(BACKENDS)" sh tests/run.sh

asan: test-deps
	@$(MAKE) --no-print-directory BUILD=build-asan OPT=-O1 \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
	  build-asan/ormsh build-asan/orm.so check-unit
	@BUILD=build-asan ORMSH=$(CURDIR)/build-asan/ormsh BACKENDS="$(BACKENDS)" \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	  sh tests/run.sh

bench: deps
	@$(MAKE) --no-print-directory build $(BUILD)/bench_raw_sqlite $(BUILD)/bench_raw_pg $(BUILD)/bench_raw_mysql
	@BUILD=$(BUILD) ORMSH=$(CURDIR)/ormsh sh tests/bench/run.sh
	@ORMSH=$(CURDIR)/ormsh sh tests/bench/versioning_bench.sh

$(BUILD)/bench_raw_sqlite: tests/bench/raw_sqlite.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror $(PKG_CFLAGS) -o $@ $< $(SQLITE_LIBS)

$(BUILD)/bench_raw_pg: tests/bench/raw_pg.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror $(PKG_CFLAGS) -o $@ $< $(SERVER_LIBS)

$(BUILD)/bench_raw_mysql: tests/bench/raw_mysql.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wall -Wextra -Werror $(PKG_CFLAGS) -o $@ $< $(SERVER_LIBS)

# Crash loops on SQLite (tests/stress/run.sh): kill -9 at random moments of a
# committing writer and of a rebuild migration, then integrity, foreign keys
# and exactly-committed data. STRESS_RUNS per loop (default 100).
STRESS_RUNS ?= 100
stress: deps
	@$(MAKE) --no-print-directory build
	@STRESS_RUNS=$(STRESS_RUNS) ORMSH=$(CURDIR)/$(BUILD)/ormsh sh tests/stress/run.sh

# Line and branch coverage of core/ and bindings/ over the unit and Lua/shell
# tests (gcovr), in build-cov/; BACKENDS as for make test. Prints each
# directory's totals and the least-covered files (COV_LEAST of them, by
# branches). Coverage is a figure, not a pass/fail: failing tests are listed.
COV_DEBS := gcovr
COV_LEAST ?= 12
GCOVR = gcovr -r . --object-directory build-cov --exclude-unreachable-branches
coverage: test-deps
	@$(MAKE) --no-print-directory install-debs PKGS="$(COV_DEBS)"
	@find build-cov -name '*.gcda' -delete 2>/dev/null || true
	@$(MAKE) --no-print-directory BUILD=build-cov OPT=-O0 SAN=--coverage build-cov/ormsh build-cov/orm.so check-unit
	@BUILD=build-cov ORMSH=$(CURDIR)/build-cov/ormsh BACKENDS="$(BACKENDS)" sh tests/run.sh || true
	@$(MAKE) --no-print-directory coverage-report

# The report alone, from the counts build-cov/ holds now.
coverage-report:
	@$(GCOVR) -f core/ -f bindings/ --json build-cov/coverage.json
	@# (never -o /dev/null: gcovr tests an output path by creating it, then unlinks it,
	@# and run as root that removes the /dev/null device)
	@for d in core bindings; do echo "--- $$d/"; \
	  $(GCOVR) -a build-cov/coverage.json -f $$d/ -s -o build-cov/summary-$$d.txt | grep -E '^(lines|branches):'; done
	@echo "--- least-covered files (branches; lines: see gcovr -a build-cov/coverage.json)"
	@$(GCOVR) -a build-cov/coverage.json -b | grep -E '^(core|bindings)/.* [0-9]+%' | sort -n -k4 | head -n $(COV_LEAST)

# libFuzzer targets (tests/fuzz/fuzz_*.c) under ASan+UBSan, each for
# FUZZ_SECONDS; new inputs land in build-fuzz/corpus/<target>, the seeds are
# tests/fuzz/corpus/<target>. A finding stops with its input saved (crash-*).
FUZZ_SECONDS ?= 60
# FUZZ_SEED: libFuzzer's random seed (0: a new one each run; CI fixes one so
# a run explores the same inputs again)
FUZZ_SEED ?= 0
FUZZ_TARGETS ?= url expr revision lua repl migration fixture
FUZZ_DEBS := clang libclang-rt-14-dev
FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
fuzz: deps
	@$(MAKE) --no-print-directory install-debs PKGS="$(FUZZ_DEBS)"
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang OPT=-O1 SAN="$(FUZZ_SAN)" fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p build-fuzz/corpus/$$t; echo "--- fuzz_$$t ($(FUZZ_SECONDS) s)"; \
	  ASAN_OPTIONS=detect_leaks=1 build-fuzz/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -seed=$(FUZZ_SEED) \
	    -close_fd_mask=3 -print_final_stats=1 -artifact_prefix=$(CURDIR)/build-fuzz/ build-fuzz/corpus/$$t tests/fuzz/corpus/$$t \
	    2>&1 | grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec|ERROR|SUMMARY|Test unit written|crash-|leak-|timeout-|oom-' ; \
	  ls build-fuzz/crash-* build-fuzz/leak-* 2>/dev/null | grep -q . && { echo "fuzz_$$t: finding saved in build-fuzz/"; exit 1; }; \
	done; true

fuzz-build: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)

# The Lua targets include this header: a change to it rebuilds them.
$(BUILD)/fuzz/fuzz_lua $(BUILD)/fuzz/fuzz_repl $(BUILD)/fuzz/fuzz_migration $(BUILD)/fuzz/fuzz_fixture: tests/fuzz/capped_lua.h

$(BUILD)/fuzz/fuzz_lua $(BUILD)/fuzz/fuzz_fixture: $(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(CORE_OBJ) $(BIND_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Ibindings -fsanitize=fuzzer -o $@ $(filter %.c %.o,$^) $(LDFLAGS_ALL) $(LUA_LIBS) $(SQLITE_LIBS) $(SERVER_LIBS) -lm -ldl

$(BUILD)/fuzz/fuzz_repl $(BUILD)/fuzz/fuzz_migration: $(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(CORE_OBJ) $(BIND_OBJ) $(filter-out %/main.o,$(SHELL_OBJ))
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Ishell -fsanitize=fuzzer -o $@ $(filter %.c %.o,$^) $(LDFLAGS_ALL) $(LUA_LIBS) $(SQLITE_LIBS) $(SERVER_LIBS) $(EDIT_LIBS) $(HTTP_LIBS) -lm -ldl

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -fsanitize=fuzzer -o $@ $(filter %.c %.o,$^) $(LDFLAGS_ALL) $(SQLITE_LIBS) $(SERVER_LIBS) -lm

# Opens the shell on the tutorial's bookstore app (tables created on first use).
shell: all
	@[ -f scripts/bookstore/instance/bookstore.db ] || ./ormsh --app scripts/bookstore -e 'db.create_all()'
	./ormsh --app scripts/bookstore shell

# Format and static checks (clang-format, cppcheck); make format rewrites.
LINT_DEBS := clang-format cppcheck
lint:
	@$(MAKE) --no-print-directory install-debs PKGS="$(LINT_DEBS)"
	@sh scripts/lint.sh
format:
	@$(MAKE) --no-print-directory install-debs PKGS="$(LINT_DEBS)"
	clang-format -i core/*.[ch] bindings/*.[ch] shell/*.[ch] tests/unit/*.[ch] tests/fuzz/*.[ch] tests/bench/*.c

# For editors (clangd): the compile command of every C file, as JSON.
compile_commands.json: Makefile $(BUILD)/config.mk
	@{ echo "["; sep=""; for f in $(CORE_SRC) $(BIND_SRC) $(SHELL_SRC) $(UNIT_SRC); do \
	    printf '%s{"directory": "%s", "file": "%s", "command": "%s -c %s"}\n' "$$sep" "$(CURDIR)" "$$f" \
	      "$(CC) $(CFLAGS_ALL) -Itests/unit" "$$f"; sep=","; done; echo "]"; } > $@

# The README's two commands in a fresh Debian minbase root (debootstrap; root only).
fresh-check:
	sh scripts/fresh-check.sh

MAN1_DIR = $(PREFIX)/share/man/man1

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LUA_CMOD_DIR) $(DESTDIR)$(MAN1_DIR)
	install -m 755 ormsh $(DESTDIR)$(PREFIX)/bin/ormsh
	install -m 644 orm.so $(DESTDIR)$(LUA_CMOD_DIR)/orm.so
	install -m 644 ormsh.1 $(DESTDIR)$(MAN1_DIR)/ormsh.1

clean:
	rm -rf build build-asan build-cov build-fuzz ormsh orm.so tests/tmp

-include $(CORE_OBJ:.o=.d) $(BIND_OBJ:.o=.d) $(SHELL_OBJ:.o=.d)
