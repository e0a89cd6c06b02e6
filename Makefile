# steval: plain GNU make, pkg-config for every library, objects in build/.
#
#   make                 build ./steval
#   make check           build and run every test (unit + end-to-end), ends "N passed, N failed"
#   make SANITIZE=address,undefined check
#   make deps            install the Debian packages the build and the tests need
#   make demo            install, build, run the demo suite on the built-in baseline
#   make bench           run the benchmarks in tests/bench (prints ratios)
#   make fuzz            build and run the libFuzzer targets for a bounded time
#   make install         install binary, suite specs and man page under $(PREFIX)

PROG      := steval
VERSION   := 0.1.0
PREFIX    ?= /usr/local
CC        ?= cc
CFLAGS    ?= -O2 -g
PKGS      := libcurl libcjson libpcre2-8 libavformat libavcodec libswscale libavutil \
             zlib libzstd liblz4 libbrotlidec
WARN      := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wformat=2 -Wvla -Wpointer-arith -Wno-unused-parameter
GIT_HASH  := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
CPPFLAGS  += -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -I. \
             -DSTEVAL_VERSION='"$(VERSION)"' -DSTEVAL_GIT='"$(GIT_HASH)"' \
             -DSTEVAL_DATADIR='"$(PREFIX)/share/steval"'
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lsnappy -lm -lpthread

ifdef SANITIZE
CFLAGS    := -O1 -g -fno-omit-frame-pointer -fsanitize=$(SANITIZE) -fno-sanitize-recover=all
LDFLAGS   += -fsanitize=$(SANITIZE)
endif
ifdef WERROR
WARN      += -Werror
endif

MODDIRS   := harness suites scorers adapters reports
SRC       := $(foreach d,$(MODDIRS),$(wildcard $(d)/*.c))
OBJ       := $(patsubst %.c,build/%.o,$(SRC))
LIBOBJ    := $(filter-out build/harness/main.o,$(OBJ))
UNITSRC   := $(wildcard tests/unit/test_*.c)
UNIT      := $(patsubst tests/unit/%.c,build/tests/%,$(UNITSRC))
BENCHSRC  := $(wildcard tests/bench/*.c)
BENCHBIN  := $(patsubst tests/bench/%.c,build/bench/%,$(BENCHSRC))

all: $(PROG)

$(PROG): $(OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

build/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(WARN) $(CFLAGS) -MMD -MP -c -o $@ $<

build/tests/test_%: tests/unit/test_%.c $(LIBOBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(WARN) $(CFLAGS) -o $@ $< $(LIBOBJ) \
		$(LDFLAGS) $(PKG_LIBS) $(shell pkg-config --libs cmocka)

units: $(UNIT)

build/bench/%: tests/bench/%.c $(LIBOBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(WARN) $(CFLAGS) -o $@ $< $(LIBOBJ) $(LDFLAGS) $(PKG_LIBS)

# `make check` installs what is missing first (a quick no-op when all is present).
check: deps
	@$(MAKE) --no-print-directory $(PROG) units
	@sh tests/run.sh

# Same as check without the package step (for machines set up by hand).
test: $(PROG) units
	@sh tests/run.sh

deps:
	@sh tests/deps.sh all

deps-build:
	@sh tests/deps.sh build

demo: deps-build
	@$(MAKE) --no-print-directory $(PROG)
	@sh fixtures/demo/run-demo.sh ./$(PROG)

bench: $(PROG) $(BENCHBIN)
	@sh tests/bench/run.sh

fuzz:
	@sh tests/fuzz/run.sh

install: $(PROG)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/steval/suites \
		$(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(PROG) $(DESTDIR)$(PREFIX)/bin/$(PROG)
	install -m 644 suites/*.json $(DESTDIR)$(PREFIX)/share/steval/suites/
	install -m 644 docs/steval.1 $(DESTDIR)$(PREFIX)/share/man/man1/steval.1

clean:
	rm -rf build $(PROG)

.PHONY: all units check test deps deps-build demo bench fuzz install clean
-include $(OBJ:.o=.d)
