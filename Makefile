# edigate - build, test, demo, bench, fuzz.
#
#   make            build ./edigate (release, -O2)
#   make test       unit + end-to-end + corpus tests, built with ASan+UBSan
#   make chaos      1,000 random SIGKILLs of run, a full and a read-only spool
#   make demo       run the gateway on the shipped demo files
#   make bench      throughput and memory figures
#   make fuzz       libFuzzer targets, FUZZ_SECONDS (60) each, in turn
#   make checksrc   refuse banned functions
#   make man        the manual pages (build/man), from each --help
#   make install    PREFIX=/usr/local DESTDIR=
#
# Every entry point runs `make deps` first, which installs missing Debian
# packages and does nothing when all are present.

PREFIX   ?= /usr/local
DESTDIR  ?=
VERSION  := 0.1.0
CC       ?= cc
PKGS     := libssh2 libxml-2.0 libarchive zlib libcrypto sqlite3 libpq
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla \
            -Wformat=2 -Wno-format-nonliteral
CSTD     := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
DEFS     := -DEG_VERSION='"$(VERSION)"' -DEG_DATADIR='"$(PREFIX)/share/edigate"'
OPT      ?= -O2 -g
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS_ALL = $(CSTD) $(WARN) $(OPT) $(DEFS) -Iinclude $(PKG_CFLAGS) $(CFLAGS)
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=all

LIB_SRC  := $(filter-out src/main.c src/cli/%,$(wildcard src/*/*.c))
CLI_SRC  := src/main.c $(wildcard src/cli/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
HDRS     := $(wildcard include/edigate/*.h src/*/*.h)

B  := build/rel
BA := build/asan

LIB_OBJ   := $(LIB_SRC:%.c=$(B)/%.o)
CLI_OBJ   := $(CLI_SRC:%.c=$(B)/%.o)
LIB_OBJ_A := $(LIB_SRC:%.c=$(BA)/%.o)
CLI_OBJ_A := $(CLI_SRC:%.c=$(BA)/%.o)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BA)/tests/%)

.PHONY: man all deps build test unit e2e acks partners onboard map canonical corpus install-check csv masterdata layoutdoc xml \
        serve alerts report ops nodes man-check pipeline dedupe failclosed crash robust chaos chaos-test sftp-e2e hostile edifact outbound \
        demo bench bench-edifact bench-nodes \
        fuzz checksrc \
        install clean
.DEFAULT_GOAL := all

# The tests call python3 (JSON checks) well over a thousand times; where
# python3 on the PATH is a pyenv shim, each call costs a bash and a few
# processes more.  build/testbin holds a link to Debian's python3 (made
# by `make test`) and comes first on the PATH of every target.
SYS_PY3 := $(firstword $(wildcard /usr/bin/python3))
export PATH := $(CURDIR)/build/testbin:$(PATH)

build/testbin/python3:
	@mkdir -p $(@D)
	@if [ -n "$(SYS_PY3)" ]; then ln -sf $(SYS_PY3) $@; fi

all: deps
	@$(MAKE) --no-print-directory build

deps:
	@sh scripts/deps.sh

build: edigate

edigate: $(B)/edigate
	cp $< $@

$(B)/libedigate.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/edigate: $(CLI_OBJ) $(B)/libedigate.a
	$(CC) $(CFLAGS_ALL) -o $@ $(CLI_OBJ) $(B)/libedigate.a $(PKG_LIBS) $(LDFLAGS)

$(B)/%.o: %.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

# The install data directory is compiled in: rebuild what uses it when
# PREFIX changes.
$(B)/.prefix: FORCE
	@mkdir -p $(B)
	@echo '$(PREFIX)' | cmp -s - $@ || echo '$(PREFIX)' >$@
$(B)/src/cli/util.o $(B)/src/cli/cmd_info.o: $(B)/.prefix
.PHONY: FORCE
FORCE:

# --- sanitizer build used by every test ---------------------------------
$(BA)/%.o: %.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(SAN) -O1 -c -o $@ $<

$(BA)/libedigate.a: $(LIB_OBJ_A)
	@rm -f $@
	ar rcs $@ $^

$(BA)/edigate: $(CLI_OBJ_A) $(BA)/libedigate.a
	$(CC) $(CFLAGS_ALL) $(SAN) -o $@ $(CLI_OBJ_A) $(BA)/libedigate.a $(PKG_LIBS)

$(BA)/tests/%: tests/unit/%.c $(BA)/libedigate.a $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(SAN) -O1 -Itests/unit -o $@ $< $(BA)/libedigate.a \
		$(PKG_LIBS) $(shell pkg-config --libs cmocka)

test: deps build/testbin/python3
	@$(MAKE) --no-print-directory checksrc unit e2e acks partners onboard map \
		canonical csv masterdata layoutdoc xml edifact pipeline outbound dedupe failclosed crash chaos-test robust sftp-e2e \
		hostile serve alerts report ops nodes man-check corpus install-check

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do \
		echo "== $$t"; (cd tests/unit && ../../$$t); done

e2e: $(BA)/edigate
	@EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/run.sh

acks: $(BA)/edigate
	@EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/acks.sh

partners: $(BA)/edigate
	@EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/partners.sh

# onboarding walk-through: a new 3PL and a new retailer from their samples
onboard: $(BA)/edigate
	@EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/onboard.sh

# X12 to canonical records: maps, code lists, overrides, rules
map: $(BA)/edigate
	@EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/map.sh

# CSV and master data (issue 16): the reader on every dialect, encoding
# and broken file, layouts to canonical records, the delta against sort
# + join
csv: $(BA)/edigate
	@EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/csv.sh

# XML documents (issue 16): the streaming reader on good, schema-invalid
# and hostile files (XXE, billion laughs, deep, huge, wrong encodings),
# XML layouts to Shipment and InventorySnapshot records
xml: $(BA)/edigate
	@EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/xml.sh

# the inbound pipeline: edigate run, the ledger, the support commands
# nightly master-data batches through run: the delta against sort + join,
# bad rows, holds and release, baselines, reprocess (issue 16)
masterdata: $(BA)/edigate
	@EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/masterdata.sh

# CSV and XML partner documents through run (<layout-document>): records,
# bad records quarantined with line/byte/column, duplicates by content,
# XML cut short or hostile rejected whole, XML master data (issue 16)
layoutdoc: $(BA)/edigate
	@EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/layoutdoc.sh

pipeline: $(BA)/edigate
	@EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/pipeline.sh

# edigate serve as a real process: schedules on a fast fake clock, the
# run lock, back-off, SIGHUP and SIGTERM, /metrics and the textfile
serve: $(BA)/edigate
	@EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/serve.sh

# outbound (issue 18): canonical records to 940s, byte for byte, round
# trip, quarantine, control numbers across crashes, 997 reconciliation
outbound: $(BA)/edigate
	@EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/outbound.sh

# service levels and alerts on the fake clock: warnings, alerts, each
# once, cleared; the hook's JSON and environment; serve judging them
alerts: $(BA)/edigate
	@EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/alerts.sh

# the HTML report in headless Chromium (skipped without chromium):
# no console message, the expected rows, a screenshot
report: $(BA)/edigate
	@EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/report.sh

# operations: the quarantine as an owned work queue, review, shadow mode,
# shadow compare, run --dry-run (issue 19)
ops: $(BA)/edigate
	@EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/ops_queue.sh

# several nodes on one PostgreSQL ledger (issue 20): a throw-away server
# (initdb/pg_ctl on 127.0.0.1, tests/e2e/pglib.sh; skipped with a message
# when PostgreSQL is not installed), the ledger API on both backends,
# three `run` loops over the same inboxes, a node stopped past its lease
nodes: $(BA)/edigate $(BA)/tests/test_ledger_nodes $(BA)/tests/test_ledger_query
	@EDIGATE=$(CURDIR)/$(BA)/edigate \
		UNIT="$(CURDIR)/$(BA)/tests/test_ledger_nodes $(CURDIR)/$(BA)/tests/test_ledger_query" \
		sh tests/e2e/nodes.sh

# duplicates, control-number reuse, corrected resends, release --file
dedupe: $(BA)/edigate
	@EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/dedupe.sh

# fail closed: nothing accepted unprocessed, received acks, misrouted
# files, no silent spool, clear words (issues 24 and 21)
failclosed: $(BA)/edigate
	@EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/failclosed.sh

# SIGKILL at every stage of a run, then recovery: exactly once
crash: $(BA)/edigate
	@EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/crash.sh

# run killed at random moments, then a full spool and a read-only
# archive / outbox: 200 kills in `make test` (chaos-test), 1,000 in
# `make chaos`; CHAOS_SEED=S repeats a campaign (its seed is printed)
CHAOS_KILLS ?= 1000
chaos: $(BA)/edigate
	@CHAOS_KILLS=$(CHAOS_KILLS) CHAOS_FULL_SIZES="240k 300k 380k 450k 560k" \
		EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/chaos.sh

chaos-test: $(BA)/edigate
	@CHAOS_KILLS=200 EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/chaos.sh

# hostile files and unlucky operators: unread tails, status, full disk,
# UTF-16, misaddressed acks, odd file names, counters (issue 21)
robust: $(BA)/edigate
	@EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/robust.sh

# hostile partners (issue 21): damaged gzip, nested bundles, entities,
# a rewrite in leave mode
hostile: $(BA)/edigate
	@EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/hostile.sh

# UN/EDIFACT: parse, validate --envelope, CONTRL byte for byte, and
# `run` on EDIFACT and mixed batches (issue 15)
edifact: $(BA)/edigate
	@EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/edifact.sh
	@EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/edifact_run.sh

# SFTP end to end: run and partner probe against a loopback sshd
sftp-e2e: $(BA)/edigate
	@EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/sftp_par.sh

# the canonical record schema against its valid and invalid examples
canonical:
	@sh tests/fixtures/canonical/check.sh

# make install into a temporary PREFIX (its own build directory): the
# installed binary must find the shipped guides there.
install-check:
	@sh tests/e2e/install.sh

corpus: $(BA)/edigate
	@EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/corpus.sh

demo: all
	@sh scripts/demo.sh ./edigate

# --- benchmarks ----------------------------------------------------------
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(B)/bench/%)

$(B)/bench/%: bench/%.c $(B)/libedigate.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -O2 -o $@ $< $(B)/libedigate.a $(PKG_LIBS)

bench: all $(BENCH_BIN)
	@BIN=$(B) EDIGATE=$(CURDIR)/edigate sh bench/run.sh
	@BIN=$(B) EDIGATE=$(CURDIR)/edigate sh bench/edifact.sh
	@BIN=$(B) sh bench/sftp.sh
	@BIN=$(B) EDIGATE=$(CURDIR)/edigate sh bench/serve.sh
	@BIN=$(B) EDIGATE=$(CURDIR)/edigate sh bench/csv.sh
	@BIN=$(B) EDIGATE=$(CURDIR)/edigate sh bench/nodes.sh

# several nodes on one PostgreSQL ledger alone (FILES, default 10000;
# PARTNERS, default 6)
bench-nodes: all $(BENCH_BIN)
	@BIN=$(B) EDIGATE=$(CURDIR)/edigate sh bench/nodes.sh

# the UN/EDIFACT figures alone (BENCH_EDIFACT_MB, default 100)
bench-edifact: all $(BENCH_BIN)
	@BIN=$(B) EDIGATE=$(CURDIR)/edigate sh bench/edifact.sh

# --- fuzzing -------------------------------------------------------------
# One libFuzzer target per door (tests/fuzz/fuzz_*.c), each run for
# FUZZ_SECONDS in turn (one process at a time), from the repository root,
# with its dictionary and seeds; what a run finds is kept in
# build/fuzz-corpus/TARGET.  Seeds and xml.dict: tests/fuzz/make_seeds.py.
#   x12      the reader, envelope checks, guides, the ack writer
#   unpack   bundles: zip, tar, tar.gz, gzip, nested
#   loaders  partner profiles, guides, map files (the XML adapter)
#   mapper   X12 and EDIFACT to canonical records: maps, code lists, rules
#   file     per-file processing: the whole inbound pipeline on one file
#   csv      the CSV reader (dialects, encodings, fixed width) and numbers
#   layout   CSV layouts (the loader), and mapping a sample through them
#   edifact  the EDIFACT reader, service-segment checks, the CONTRL writer
#   xml      the XML reader (hostile input, limits, schema) and XML layouts
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= x12 unpack loaders mapper file csv layout edifact xml
# Throughput (perf on fuzz_file, 2026-12-08): libFuzzer's entropic
# schedule (UpdateFeatureFrequency) was 40% of the CPU with 28,000
# features; without it a run costs 28% less CPU.  A smaller ASan
# quarantine and allocation stacks of 2 frames cut RSS from 217 to 76 MB
# and a few % of CPU; rerun a crash input without FUZZ_ASAN for full
# stacks.
FUZZ_OPTS ?= -entropic=0
FUZZ_ASAN ?= malloc_context_size=2:quarantine_size_mb=16
BF := build/fuzz
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -O1 -g
FUZZ_LIB := $(LIB_SRC:%.c=$(BF)/%.o)
.SECONDARY: $(FUZZ_LIB)
$(BF)/%.o: %.c $(HDRS)
	@mkdir -p $(@D)
	clang $(CSTD) $(WARN) $(DEFS) -Iinclude $(PKG_CFLAGS) $(FUZZ_FLAGS) -c -o $@ $<

$(BF)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(FUZZ_LIB)
	clang $(CSTD) $(WARN) -Iinclude -fsanitize=fuzzer,address,undefined -O1 -g \
		-o $@ $< $(FUZZ_LIB) $(PKG_LIBS)

# dictionary, seed directory and longest input per target (new inputs go
# to build/fuzz-corpus/TARGET, the first directory named; seeds stay as
# they are)
FZ_x12     := -dict=tests/fuzz/x12.dict -max_len=4096 tests/fixtures/x12
FZ_unpack  := -dict=tests/fuzz/unpack.dict -max_len=32768 tests/fuzz/seeds/unpack
FZ_loaders := -dict=tests/fuzz/xml.dict -max_len=65536 tests/fuzz/seeds/loaders
FZ_mapper  := -dict=tests/fuzz/x12.dict -max_len=8192 tests/fuzz/seeds/mapper tests/fixtures/edifact/map
FZ_file    := -dict=tests/fuzz/x12.dict -max_len=8192 tests/fuzz/seeds/file
FZ_csv     := -dict=tests/fuzz/csv.dict -max_len=8192 tests/fuzz/seeds/csv
FZ_layout  := -dict=tests/fuzz/xml.dict -max_len=16384 tests/fuzz/seeds/layout
FZ_edifact := -dict=tests/fuzz/edifact.dict -max_len=4096 tests/fixtures/edifact
FZ_xml     := -dict=tests/fuzz/xml.dict -max_len=16384 tests/fuzz/seeds/xml

fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=$(BF)/fuzz_%)
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p build/fuzz-corpus/$$t; \
		echo "== fuzz_$$t ($(FUZZ_SECONDS) s)"; \
		case $$t in \
		x12) a="$(FZ_x12)";; unpack) a="$(FZ_unpack)";; \
		loaders) a="$(FZ_loaders)";; mapper) a="$(FZ_mapper)";; \
		file) a="$(FZ_file)";; csv) a="$(FZ_csv)";; \
		layout) a="$(FZ_layout)";; edifact) a="$(FZ_edifact)";; \
		xml) a="$(FZ_xml)";; esac; \
		ASAN_OPTIONS=$(FUZZ_ASAN) $(BF)/fuzz_$$t build/fuzz-corpus/$$t \
			-max_total_time=$(FUZZ_SECONDS) -timeout=10 \
			-print_final_stats=1 $(FUZZ_OPTS) $$a \
			2>&1 | grep -E '^(stat::number_of_executed_units|#[0-9]+.*DONE)|ERROR|SUMMARY|Test unit written|^==' || true; \
		test -z "$$(ls crash-* leak-* timeout-* oom-* 2>/dev/null)" || \
			{ echo "fuzz_$$t: found a crash (crash-*/leak-*/timeout-*/oom-* here)"; exit 1; }; \
	done

# --- manual pages and completion ---------------------------------------
# One page per command, made from its --help by scripts/mkman.sh (the
# help text is the single source); docs/man/edigate.extra adds the
# environment and files to edigate(1).
man: $(B)/edigate
	@rm -rf build/man
	@sh scripts/mkman.sh $(B)/edigate build/man $(VERSION)

# every command has a page that renders without warnings and names every
# option of its --help; the bash completion completes commands, options
# and partner ids
man-check: $(BA)/edigate
	@EDIGATE=$(CURDIR)/$(BA)/edigate sh tests/e2e/man.sh

# --- hygiene ---------------------------------------------------------------
checksrc:
	@sh scripts/checksrc.sh

install: deps
	@$(MAKE) --no-print-directory $(B)/edigate
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/edigate
	install -m 755 $(B)/edigate $(DESTDIR)$(PREFIX)/bin/edigate
	cp -R edi schemas $(DESTDIR)$(PREFIX)/share/edigate/
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system \
		$(DESTDIR)$(PREFIX)/share/edigate/examples \
		$(DESTDIR)$(PREFIX)/share/doc/edigate
	@set -e; for f in systemd/edigate.service systemd/edigate-run.service \
		systemd/edigate-run.timer cron/edigate.crontab; do \
		case $$f in systemd/*) d=lib/systemd/system;; \
		*) d=share/edigate/examples;; esac; \
		sed -e 's|@BINDIR@|$(PREFIX)/bin|g' \
		    -e 's|@DOCDIR@|$(PREFIX)/share/doc/edigate|g' dist/$$f \
		    >$(DESTDIR)$(PREFIX)/$$d/$${f#*/}; \
		chmod 644 $(DESTDIR)$(PREFIX)/$$d/$${f#*/}; \
		echo "installed $(PREFIX)/$$d/$${f#*/}"; done
	install -m 644 docs/operations.md $(DESTDIR)$(PREFIX)/share/doc/edigate/
	@$(MAKE) --no-print-directory man
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 build/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 dist/bash-completion/edigate \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/edigate

clean:
	rm -rf build edigate
