# steval: plain GNU make, pkg-config for every library, objects in build/.
#
#   make                 build ./steval
#   make check           build and run every test (unit + end-to-end), ends "N passed, N failed"
#   make SANITIZE=address,undefined check
#   make check-slurm     only the real-Slurm test (a one-node cluster of its own; part of check)
#   make deps            install the Debian packages the build and the tests need
#   make demo            install, build, run the demo suite on the built-in baseline
#   make bench           run the benchmarks in tests/bench (prints ratios)
#   make fuzz            run every libFuzzer target long (FUZZ_SECONDS=300 each; make check: 10 s)
#   make install         install binary, FFmpeg plugin, suite specs and man page under $(PREFIX)

PROG      := steval
VERSION   := 0.1.0
PREFIX    ?= /usr/local
CC        ?= cc
CFLAGS    ?= -O2 -g
BASEPKGS  := libcurl libcjson libpcre2-8 zlib libzstd liblz4 libbrotlidec libzip
AVPKGS    := libavformat libavcodec libswscale libavutil
PKGS      := $(BASEPKGS) $(AVPKGS)
WARN      := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wformat=2 -Wvla -Wpointer-arith -Wno-unused-parameter
GIT_HASH  := $(shell git describe --always --dirty=-modified --abbrev=12 --exclude="*" 2>/dev/null || echo unknown)
CPPFLAGS  += -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -I. \
             -DSTEVAL_DATADIR='"$(PREFIX)/share/steval"' -DSTEVAL_LIBDIR='"$(PREFIX)/lib/steval"'
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# unit tests and benchmarks link everything; the binary all but FFmpeg,
# which only its plugin links (harness/frames/avplugin.h), and libcurl,
# loaded on first use (lib/curl_lazy.c)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lsnappy -lm -lpthread
BIN_LIBS   = $(shell pkg-config --libs $(filter-out libcurl,$(BASEPKGS)) 2>/dev/null) -lsnappy -lm -lpthread -ldl
AV_LIBS    = $(shell pkg-config --libs $(AVPKGS) 2>/dev/null) -lm -lpthread

# Each configuration builds in its own directory, so a sanitizer build never
# reuses objects compiled without it (and the other way round).
comma     := ,
ifdef SANITIZE
CFLAGS    := -O1 -g -fno-omit-frame-pointer -fsanitize=$(SANITIZE) -fno-sanitize-recover=all
LDFLAGS   += -fsanitize=$(SANITIZE)
B         := build/san-$(subst $(comma),-,$(SANITIZE))
else
B         := build/default
endif
BIN       := $(B)/$(PROG)
# WERROR=1 (and CI, which sets CI=true) turn every warning into an error,
# for the program and the tests alike.
ifneq ($(filter 1 true,$(WERROR) $(CI)),)
WARN      += -Werror
endif

# Every .c under the layer folders (and their sub-folders) is compiled;
# docs/HACKING.md gives the layers and what each may include.
MODDIRS   := lib suites scorers adapters reports harness
SRC       := $(sort $(shell find $(MODDIRS) -name '*.c'))
OBJ       := $(patsubst %.c,$(B)/%.o,$(SRC))
# The FFmpeg plugin: these objects, built again with -fPIC, make
# $(B)/libsteval-av.so; the binary has avload.c (the loader) instead.
AVSRC     := harness/frames/av.c harness/frames/decode.c harness/frames/encode.c \
             harness/frames/probe.c harness/frames/avplugin.c
AVOBJ     := $(patsubst %.c,$(B)/%.o,$(AVSRC))
PICOBJ    := $(patsubst %.c,$(B)/pic/%.o,$(AVSRC))
PLUGIN    := $(B)/libsteval-av.so
SHIMOBJ   := $(B)/harness/frames/avload.o
MAINOBJ   := $(filter-out $(AVOBJ),$(OBJ))
LIBOBJ    := $(filter-out $(B)/harness/cli/main.o $(SHIMOBJ) $(B)/harness/frames/avplugin.o,$(OBJ))
# Unit tests mirror the source folders (tests/unit/suites/parquet/test_parquet.c);
# each builds to $(B)/tests/test_NAME, so names are unique.
UNITSRC   := $(sort $(shell find tests/unit -name 'test_*.c'))
UNIT      := $(foreach t,$(UNITSRC),$(B)/tests/$(basename $(notdir $(t))))
BENCHSRC  := $(wildcard tests/bench/*.c)
BENCHBIN  := $(patsubst tests/bench/%.c,$(B)/bench/%,$(BENCHSRC))
V         ?= 0
ifeq ($(V),0)
Q         := @
say        = @printf '  %-6s %s\n' $(1) $(2);
endif

# The plain build also leaves ./steval at the top (a copy of $(BIN)).
ifdef SANITIZE
all: $(BIN)
else
all: $(PROG)
$(PROG): $(BIN)
	$(Q)cp $(BIN) $(PROG) && cp $(PLUGIN) libsteval-av.so
endif

# The binary exports just the symbols the plugin calls back (buf, log,
# plan, frameset): the plugin's undefined symbols the binary defines.
$(B)/gen/av-host.list: $(PLUGIN) $(MAINOBJ)
	@mkdir -p $(dir $@)
	$(Q)LC_ALL=C nm -D --undefined-only $(PLUGIN) | awk '{ sub(/@.*/, "", $$2); print $$2 }' | sort -u >$@.u
	$(Q)LC_ALL=C nm -g --defined-only $(MAINOBJ) | awk 'NF == 3 { print $$3 }' | sort -u >$@.d
	$(Q){ echo '{'; LC_ALL=C comm -12 $@.u $@.d | sed 's/.*/	&;/'; echo '};'; } >$@.tmp
	$(Q)rm -f $@.u $@.d && mv $@.tmp $@

$(BIN): $(MAINOBJ) $(B)/gen/av-host.list
	$(call say,LINK,$@)$(CC) $(LDFLAGS) -Wl,--dynamic-list=$(B)/gen/av-host.list -o $@ \
		$(MAINOBJ) $(BIN_LIBS)

$(PLUGIN): $(PICOBJ) harness/frames/avplugin.map
	$(call say,LINK,$@)$(CC) $(LDFLAGS) -shared -Wl,--version-script=harness/frames/avplugin.map \
		-o $@ $(PICOBJ) $(AV_LIBS)

# The version and git hash live in one generated header, rewritten only when
# they change, so every build records the commit it was built from.
$(B)/gen/steval_version.h: FORCE
	@mkdir -p $(dir $@)
	@printf '#define STEVAL_VERSION "%s"\n#define STEVAL_GIT "%s"\n' '$(VERSION)' '$(GIT_HASH)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(B)/lib/version.o: $(B)/gen/steval_version.h
$(B)/lib/version.o: CPPFLAGS += -I$(B)/gen
$(B)/harness/frames/avplugin.o $(B)/pic/harness/frames/avplugin.o: $(B)/gen/steval_version.h
$(B)/harness/frames/avplugin.o $(B)/pic/harness/frames/avplugin.o: CPPFLAGS += -I$(B)/gen

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(WARN) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(WARN) $(CFLAGS) -fPIC -MMD -MP -c -o $@ $<

# One rule per unit test (its source sits in the folder of the module it tests).
define unit_rule
$(B)/tests/$(basename $(notdir $(1))): $(1) $$(LIBOBJ)
	@mkdir -p $$(dir $$@)
	$$(call say,CC,$$<)$$(CC) $$(CPPFLAGS) $$(PKG_CFLAGS) $$(WARN) $$(CFLAGS) -MMD -MP -o $$@ $$< $$(LIBOBJ) \
		$$(LDFLAGS) $$(PKG_LIBS) $$(shell pkg-config --libs cmocka)
endef
$(foreach t,$(UNITSRC),$(eval $(call unit_rule,$(t))))

units: $(UNIT)

# Benchmark helpers (tests/bench/*.c) link the same objects as unit tests.
$(B)/bench/%: tests/bench/%.c $(LIBOBJ)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(WARN) $(CFLAGS) -o $@ $< $(LIBOBJ) \
		$(LDFLAGS) $(PKG_LIBS)

# `make check` installs what is missing first (a quick no-op when all is present).
check: deps
	@$(MAKE) --no-print-directory test

# Same as check without the package step (for machines set up by hand).
test: all units
	@STEVAL=$(CURDIR)/$(BIN) STEVAL_BUILD=$(B) sh tests/run.sh

deps:
	@sh tests/deps.sh all

deps-build:
	@sh tests/deps.sh build

# The sweep scripts on a real one-node Slurm (tests/e2e/t_slurm.sh, which
# `make check` runs with the other end-to-end tests).
check-slurm: all
	@sh tests/deps.sh slurm
	@STEVAL=$(CURDIR)/$(BIN) STEVAL_BUILD=$(B) sh tests/run.sh tests/e2e/t_slurm.sh

demo: deps-build
	@$(MAKE) --no-print-directory all
	@sh fixtures/demo/run-demo.sh $(CURDIR)/$(BIN)

bench: all $(BENCHBIN)
	@STEVAL=$(CURDIR)/$(BIN) STEVAL_BENCH_BIN=$(CURDIR)/$(B)/bench sh tests/bench/run.sh

fuzz:
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-300} FUZZ_BIN=build/fuzz-bin sh tests/fuzz/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/steval/suites \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/lib/steval
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/$(PROG)
	install -m 644 $(PLUGIN) $(DESTDIR)$(PREFIX)/lib/steval/libsteval-av.so
	install -m 644 suites/*.json $(DESTDIR)$(PREFIX)/share/steval/suites/
	install -d $(DESTDIR)$(PREFIX)/share/steval/suites/tables
	install -m 644 suites/tables/*.json $(DESTDIR)$(PREFIX)/share/steval/suites/tables/
	install -m 644 docs/steval.1 $(DESTDIR)$(PREFIX)/share/man/man1/steval.1

clean:
	rm -rf build $(PROG) libsteval-av.so

FORCE:
.PHONY: all units check check-slurm test deps deps-build demo bench fuzz install clean FORCE
-include $(OBJ:.o=.d) $(PICOBJ:.o=.d) $(UNIT:=.d)
