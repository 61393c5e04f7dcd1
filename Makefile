# Top-level entry points.  Meson and ninja do the building; this file only
# wires the steps together.  See README.md.
#
#   make            build mvm and the tests (build/)
#   make demo       install what is missing, build, boot a Linux guest under mvm
#   make image      build the Microdroid guest image (build/image/)
#   make check      install what is missing, build, run every test
#   make unit | sanitize | fuzz | cli | integration   one test group
#   make bench      run the benchmarks (side by side with QEMU)

BUILD      ?= build
BUILD_SAN  ?= build-san
BUILD_FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 15

MESON_SETUP = meson setup --reconfigure

.PHONY: all build deps image demo check unit sanitize fuzz cli integration bench clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD_SAN)/build.ninja:
	meson setup $(BUILD_SAN) -Db_sanitize=address,undefined -Db_lundef=false

$(BUILD_FUZZ)/build.ninja:
	CC=clang meson setup $(BUILD_FUZZ) -Dfuzz=true -Dtests=false \
		-Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fsanitize=fuzzer-no-link

image: deps build
	image/build.sh $(BUILD)

demo: deps build
	scripts/demo.sh $(BUILD)

check: deps
	scripts/check.sh

unit: build
	scripts/check.sh unit

sanitize: $(BUILD_SAN)/build.ninja
	scripts/check.sh sanitize

fuzz: $(BUILD_FUZZ)/build.ninja
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/check.sh fuzz

cli: build
	scripts/check.sh cli

integration: build
	scripts/check.sh integration

bench: deps build
	bench/startup/run.sh $(BUILD)
	bench/boot/run.sh $(BUILD)
	bench/boot/microdroid.sh $(BUILD)
	bench/boot/payload.sh $(BUILD)
	bench/blk/run.sh $(BUILD)
	bench/vsock/run.sh $(BUILD)
	bench/binder/run.sh $(BUILD)

clean:
	rm -rf $(BUILD_SAN) $(BUILD_FUZZ)
	if [ -d $(BUILD) ]; then find $(BUILD) -mindepth 1 -maxdepth 1 ! -name cache -exec rm -rf {} +; fi
