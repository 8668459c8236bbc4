# breakglass: plain Makefile, libraries found with pkg-config.
# Every output goes under $(BUILD) so several builds (normal, asan, fuzz) can
# live side by side; nothing generated is ever written into the source tree.

BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
CFLAGS  ?= -O2 -g

PKGS        := grpc libprotobuf-c ncursesw jansson openssl yaml-0.1
PKG_CFLAGS  := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS    := $(shell pkg-config --libs $(PKGS)) -lpthread -lm
CMOCKA_LIBS := $(shell pkg-config --libs cmocka)

WARN := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wwrite-strings -Wpointer-arith -Wundef -Wvla -Werror
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -I. -I$(BUILD)/gen $(PKG_CFLAGS) -MMD -MP
ALL_CFLAGS  := $(BASE_CFLAGS) $(WARN) $(CFLAGS) $(EXTRA_CFLAGS)
# protoc-c output is not ours to fix: build it without our stricter warnings.
GEN_CFLAGS  := $(BASE_CFLAGS) $(CFLAGS) $(EXTRA_CFLAGS)
ALL_LDFLAGS := $(LDFLAGS) $(EXTRA_LDFLAGS)

PROTOS    := $(shell find proto -name '*.proto' | sort)
GEN_SRCS  := $(patsubst proto/%.proto,$(BUILD)/gen/%.pb-c.c,$(PROTOS))
GEN_HDRS  := $(GEN_SRCS:.c=.h)
GEN_OBJS  := $(GEN_SRCS:.c=.o)

# LIB_DIRS/TUI_DIRS may be narrowed (e.g. LIB_DIRS="etcdclient/util etcdclient/k8s")
# to build one component while others are being written.
LIB_DIRS  ?= etcdclient
TUI_DIRS  ?= tui
LIB_SRCS  := $(shell find $(LIB_DIRS) -name '*.c' | sort)
LIB_OBJS  := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
TUI_SRCS  := $(filter-out tui/main.c,$(shell find $(TUI_DIRS) -name '*.c' 2>/dev/null | sort))
TUI_OBJS  := $(patsubst %.c,$(BUILD)/obj/%.o,$(TUI_SRCS))
MAIN_OBJ  := $(BUILD)/obj/tui/main.o

LIBEC     := $(BUILD)/libetcdclient.a
LIBTUI    := $(BUILD)/libbgtui.a
BIN       := $(BUILD)/breakglass

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))
ITEST_SRCS := $(wildcard tests/integration/itest_*.c)
ITEST_BINS := $(patsubst tests/integration/%.c,$(BUILD)/tests/integration/%,$(ITEST_SRCS))
TOOL_SRCS  := $(wildcard tests/tools/*.c)
TOOL_BINS  := $(patsubst tests/tools/%.c,$(BUILD)/tests/tools/%,$(TOOL_SRCS))
FUZZ_SRCS  := $(wildcard tests/fuzz/fuzz_*.c)
REPLAY_BINS:= $(patsubst tests/fuzz/fuzz_%.c,$(BUILD)/tests/fuzz/replay_%,$(FUZZ_SRCS))

TEST_LIBS := $(LIBTUI) $(LIBEC)

# Generated sources are build products to keep, not intermediates to delete.
.SECONDARY: $(GEN_SRCS) $(GEN_HDRS)

.PHONY: all test check asan bench fuzz demo clean install deps testbins deb
all: $(BIN)

$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: proto/%.proto
	@mkdir -p $(BUILD)/gen
	protoc-c --c_out=$(BUILD)/gen -Iproto $<

$(BUILD)/gen/%.pb-c.o: $(BUILD)/gen/%.pb-c.c | $(GEN_HDRS)
	$(CC) $(GEN_CFLAGS) -c -o $@ $<

$(BUILD)/obj/%.o: %.c | $(GEN_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBEC): $(LIB_OBJS) $(GEN_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(LIBTUI): $(TUI_OBJS)
	@mkdir -p $(dir $@)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIBTUI) $(LIBEC)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(TEST_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(TEST_LIBS) $(ALL_LDFLAGS) $(PKG_LIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/integration/%: tests/integration/%.c tests/integration/itest.h $(TEST_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(TEST_LIBS) $(ALL_LDFLAGS) $(PKG_LIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/tools/%: tests/tools/%.c $(TEST_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(TEST_LIBS) $(ALL_LDFLAGS) $(PKG_LIBS)

# Each fuzz target is also built as a plain program that replays its corpus,
# so inputs the fuzzer found keep being checked by the ordinary test run.
$(BUILD)/tests/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c $(TEST_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< tests/fuzz/replay_main.c $(TEST_LIBS) $(ALL_LDFLAGS) $(PKG_LIBS)

testbins: $(BIN) $(UNIT_BINS) $(ITEST_BINS) $(TOOL_BINS) $(REPLAY_BINS)

# README's test command: installs what is missing, builds, runs every test.
test: deps
	$(MAKE) check

check: testbins
	bash tests/run.sh $(BUILD)

# The whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer.
asan: deps
	$(MAKE) BUILD=build-asan \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  LDFLAGS="-fsanitize=address,undefined" check

# libFuzzer targets (clang), each run for FUZZ_SECONDS.
FUZZ_SECONDS ?= 30
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang \
	  CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" \
	  build-fuzz/libetcdclient.a build-fuzz/libbgtui.a
	bash tests/fuzz/run_fuzzers.sh build-fuzz $(FUZZ_SECONDS)

bench: deps
	$(MAKE) testbins
	bash tests/bench/run.sh $(BUILD)

demo: deps
	$(MAKE) all $(BUILD)/tests/tools/bg_load $(BUILD)/tests/tools/bg_writer
	bash tests/demo.sh $(BUILD)

deps:
	bash packaging/install-deps.sh

# The Debian package, from a hardened build of its own (fortify, relro, now).
deb: deps
	$(MAKE) BUILD=build-deb CFLAGS="-O2 -g -D_FORTIFY_SOURCE=2 -fstack-protector-strong" \
	  LDFLAGS="-Wl,-z,relro,-z,now" all
	bash packaging/build-deb.sh build-deb build-deb/out

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/breakglass

clean:
	rm -rf build build-asan build-fuzz build-deb

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
