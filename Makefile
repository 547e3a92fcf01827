# zalando-train — `make run` trains the default model, `make test` runs the tests; both set
# up what they need first (system libraries, data) on a fresh Debian/Ubuntu machine.
SWIFT      ?= swift
CONFIG     ?= release
BIN        := .build/$(CONFIG)/zalando-train
ARGS       ?=
PKGS       := libopenblas-dev zlib1g-dev pkg-config

# Code for this machine's vector unit: AVX2 (LLVM's "haswell") when the CPU has AVX2 and FMA,
# the x86-64 baseline (SSE2) otherwise. Results are bit-identical: Swift never fuses a multiply
# and an add on its own, so only the vector width changes. The optimizer sweeps run twice as fast
# (default Adam training epoch: 0.0862 → 0.0765 s). `make build TARGET_CPU=` gives a binary for
# any x86-64.
TARGET_CPU ?= $(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo && echo haswell)
SWIFTFLAGS := -c $(CONFIG) $(if $(TARGET_CPU),-Xswiftc -target-cpu -Xswiftc $(TARGET_CPU))

.PHONY: all setup build run test test-unit test-e2e test-tools download-data bench fuzz figures clean help install

all: build

help:
	@echo "make run            set up, fetch data, train the default model (ARGS='--epochs 5' to change)"
	@echo "make test           set up, fetch data, run the tests (all three kinds below)"
	@echo "make test-unit      in-process tests only: no binary runs, no data, seconds"
	@echo "make test-e2e       the built binary, on tiny fixtures and the real data sets"
	@echo "make test-tools     against real GNU parallel, Slurm, Chromium and TensorBoard's reader"
	@echo "make build          release build of .build/release/zalando-train"
	@echo "make download-data  fetch and verify MNIST and Fashion-MNIST into data/ (DEST=DIR: into DIR/mnist, DIR/fashion; DATA_MIRROR=DIR offline)"
	@echo "make bench          speed and memory against the bare OpenBLAS floor; halving against the full grid"
	@echo "make install        binary, man page and bash/zsh/fish completions under PREFIX (now $(PREFIX))"
	@echo "make fuzz           libFuzzer on the five file readers (FUZZ_SECONDS=600 per target)"
	@echo "make figures        rebuild the gallery of the chapter's figures in docs/figures (trains 3 runs)"
	@echo "make clean          remove build products (data stays)"
	@echo "TARGET_CPU=...      LLVM CPU to build for (now: '$(TARGET_CPU)'; empty = any x86-64)"

# OpenBLAS and zlib come from the system, found through pkg-config.
setup:
	@if pkg-config --exists openblas zlib 2>/dev/null; then \
		echo "setup: openblas and zlib found by pkg-config"; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "setup: installing $(PKGS)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PKGS); \
	else \
		echo "setup: OpenBLAS and zlib development files are missing; run:"; \
		echo "  sudo apt-get update && sudo apt-get install -y $(PKGS)"; \
		exit 1; \
	fi

build: setup
	$(SWIFT) build $(SWIFTFLAGS)

# DEST=DIR fetches into DIR/mnist and DIR/fashion instead of data/ (an installed binary finds
# them with ZALANDO_TRAIN_DATA=DIR; see DESIGN.md "train": where the data is).
DEST ?=
download-data:
	@$(if $(DEST),DATA_DIR='$(DEST)' )sh scripts/download-data.sh

run: build download-data
	$(BIN) $(ARGS)

# Data is fetched first when it can be; without it the real-data tests skip loudly, unless
# ZT_REQUIRE_DATA=1 (set by .ci/run), which makes a missing data set a failure.
test: setup
	@if [ "$${ZT_REQUIRE_DATA:-0}" = 1 ]; then sh scripts/download-data.sh; \
	else sh scripts/download-data.sh || echo "test: data unavailable; real-data tests will be skipped"; fi
	$(SWIFT) build $(SWIFTFLAGS)
	$(SWIFT) build $(SWIFTFLAGS) --product generate-manual
	$(SWIFT) test $(SWIFTFLAGS)

# One kind of test (a test target each; see Package.swift). test-unit needs no data.
test-unit: setup
	$(SWIFT) test $(SWIFTFLAGS) --filter UnitTests

test-e2e: setup
	@sh scripts/download-data.sh || echo "test-e2e: data unavailable; real-data tests will be skipped"
	$(SWIFT) build $(SWIFTFLAGS)
	$(SWIFT) build $(SWIFTFLAGS) --product generate-manual
	$(SWIFT) test $(SWIFTFLAGS) --filter EndToEndTests

test-tools: setup
	@sh scripts/download-data.sh || echo "test-tools: data unavailable; real-data tests will be skipped"
	$(SWIFT) build $(SWIFTFLAGS)
	$(SWIFT) test $(SWIFTFLAGS) --filter ToolTests

# The binary, its man page (generated from the commands' help by swift-argument-parser's
# generate-manual, see scripts/generate-manual.sh) and the shell completions, under
# $(DESTDIR)$(PREFIX): bin/, share/man/man1/, and where bash-completion, zsh and fish look.
PREFIX  ?= /usr/local
DESTDIR ?=
ROOT    := $(DESTDIR)$(PREFIX)
GENERATE_MANUAL ?= .build/$(CONFIG)/generate-manual

install: build
	$(SWIFT) build $(SWIFTFLAGS) --product generate-manual
	install -d "$(ROOT)/bin" "$(ROOT)/share/man/man1" "$(ROOT)/share/bash-completion/completions" \
		"$(ROOT)/share/zsh/site-functions" "$(ROOT)/share/fish/vendor_completions.d"
	install -m 755 $(BIN) "$(ROOT)/bin/zalando-train"
	sh scripts/generate-manual.sh $(GENERATE_MANUAL) $(BIN) .build/man
	install -m 644 .build/man/zalando-train.1 "$(ROOT)/share/man/man1/zalando-train.1"
	$(BIN) --generate-completion-script bash > "$(ROOT)/share/bash-completion/completions/zalando-train"
	$(BIN) --generate-completion-script zsh > "$(ROOT)/share/zsh/site-functions/_zalando-train"
	$(BIN) --generate-completion-script fish > "$(ROOT)/share/fish/vendor_completions.d/zalando-train.fish"
	@echo "installed zalando-train under $(ROOT)"

bench: build download-data
	@TARGET_CPU="$(TARGET_CPU)" bash scripts/bench.sh
	@bash scripts/bench-sweep.sh
	@bash scripts/bench-halving.sh

fuzz: setup
	@bash scripts/fuzz.sh

# The chapter's figures (docs/figures/*.svg and its README.md); the three training runs they
# need are kept in .build/figures and reused.
figures: build download-data
	@bash scripts/figures.sh

clean:
	rm -rf .build Fuzz/.build
