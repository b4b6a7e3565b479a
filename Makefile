# vigil — thin front end over CMake. `make demo` and `make test` do everything
# on a fresh Debian machine (they install the packages first).

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_SECONDS ?= 20
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps build asan demo test test-fast test-asan fuzz bench clean

all: build

deps:
	@bash scripts/deps.sh

$(BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD) -DVIGIL_WERROR=ON $(CMAKE_FLAGS)

build: $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/Makefile: CMakeLists.txt
	CC=clang cmake -S . -B $(ASAN_BUILD) -DVIGIL_WERROR=ON -DVIGIL_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug

asan: $(ASAN_BUILD)/Makefile
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# The README's first command: install, build, and run on a bundled real capture.
demo: deps build
	@bash scripts/demo.sh $(BUILD)/vigil

# The README's second command: everything, including the sanitizer build and fuzzing.
test: deps build asan
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -LE slow
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/run.sh

# Only the normal build's tests (quick loop while developing).
test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/run.sh

# Every benchmark, each against the tool a user would otherwise run (bench/README.md).
bench: deps build
	@bash scripts/deps.sh --bench
	bash bench/run.sh $(BUILD)/vigil
	bash bench/life/run.sh $(BUILD)
	bash bench/web/run.sh $(BUILD)
	bash bench/email/run.sh $(BUILD)/vigil

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
