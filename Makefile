# tlsready - the two commands a newcomer needs:
#   make run    install build dependencies if missing, build, run on defaults
#   make test   install test tools if missing, build, run every test
# Also: make build, make asan, make fuzz [FUZZ_SECONDS=60], make bench.

BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?=
ARGS ?=
FUZZ_SECONDS ?= 60
CTEST_FLAGS ?= --output-on-failure -j$(JOBS)

.PHONY: all build run test unit asan fuzz bench clean deps test-deps

all: build

deps:
	@sh scripts/deps.sh build

test-deps:
	@sh scripts/deps.sh test

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

run: build
	./$(BUILD)/tlsready $(ARGS)

test: test-deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)
	cd $(BUILD) && ctest $(CTEST_FLAGS) -LE 'fuzz|bench'

unit: build
	cd $(BUILD) && ctest $(CTEST_FLAGS) -L 'unit|replay'

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
asan: test-deps
	cmake -S . -B build-asan -DSANITIZE=address,undefined $(CMAKE_FLAGS)
	cmake --build build-asan -j$(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest $(CTEST_FLAGS) -LE 'fuzz|bench'

# libFuzzer on every target for FUZZ_SECONDS each (clang).
fuzz: test-deps
	CC=clang cmake -S . -B build-fuzz -DFUZZ=ON -DFUZZ_SECONDS=$(FUZZ_SECONDS) $(CMAKE_FLAGS)
	cmake --build build-fuzz -j$(JOBS)
	cd build-fuzz && ctest --output-on-failure -j$(JOBS) -L fuzz

# Benchmarks, side by side in one run each (doc/benchmarks.md): the parser,
# test mode against a read-hello-and-close server, relay mode against
# nginx (stream + ssl_preread) and HAProxy in front of the same upstream.
bench: build
	@sh scripts/deps.sh bench
	./$(BUILD)/tests/bench_bench_parse 300000
	python3 tests/bench/testmode_bench.py --build $(BUILD)
	python3 tests/bench/relay_bench.py --tlsready $(BUILD)/tlsready

clean:
	rm -rf $(BUILD) build-asan build-fuzz
