# The two commands a user needs on a fresh Debian 12 machine (as root):
#   make up     set everything up and run Tessera's main job
#   make test   set everything up and run every test suite
# The other targets are the steps they are made of.

BUILD_DIR    ?= build
SANITIZE_DIR ?= build-sanitize
FUZZ_DIR     ?= build-fuzz
FUZZ_SECONDS ?= 30
CMAKE_FLAGS  ?=
CTEST_FLAGS  ?= --output-on-failure

.PHONY: up test setup configure build unit check-format format sanitize tidy fuzz clean

up: build
	scripts/up.sh "$(BUILD_DIR)"

# Each step in turn, ending with a table of where the time went (also in
# $(BUILD_DIR)/ci-times.txt).
CI_STEPS = setup check-format build unit tidy sanitize fuzz
test:
	BUILD_DIR=$(BUILD_DIR) scripts/ci_steps.py $(CI_STEPS)

setup:
	scripts/setup.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DTESSERA_WERROR=ON $(CMAKE_FLAGS)

configure: setup $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR)

unit: build
	ctest --test-dir $(BUILD_DIR) $(CTEST_FLAGS)

# AddressSanitizer and UndefinedBehaviorSanitizer over the same suites, built
# with Clang: it compiles instrumented code in half GCC's time, and a second
# compiler's warnings come for free. Benchmarks are left to the main build.
sanitize: setup
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(SANITIZE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DTESSERA_WERROR=ON -DTESSERA_SANITIZE=ON -DTESSERA_BUILD_BENCHMARKS=OFF $(CMAKE_FLAGS)
	cmake --build $(SANITIZE_DIR)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(SANITIZE_DIR) $(CTEST_FLAGS)

# libFuzzer over the agent's request handling, each target for a bounded
# time: worker specs alone, and whole admin requests from raw bytes. New
# inputs that find new coverage are kept in the build tree, not the
# repository.
FUZZERS = worker_spec admin_request
fuzz: setup
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(FUZZ_DIR) -G Ninja -DTESSERA_WERROR=ON \
	  -DTESSERA_BUILD_FUZZERS=ON -DTESSERA_BUILD_TESTS=OFF -DTESSERA_BUILD_BENCHMARKS=OFF
	cmake --build $(FUZZ_DIR) --target $(FUZZERS:%=%_fuzzer)
	for fuzzer in $(FUZZERS); do \
	  mkdir -p $(FUZZ_DIR)/corpus/$$fuzzer && \
	  $(FUZZ_DIR)/bin/$${fuzzer}_fuzzer -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    $(FUZZ_DIR)/corpus/$$fuzzer tests/fuzz/corpus/$$fuzzer || exit 1; \
	done

check-format: setup
	scripts/check-format.sh

format:
	scripts/check-format.sh --fix

# clang-tidy over every source, skipping those unchanged (with all they
# include) since they last passed on this machine.
tidy: build
	scripts/tidy.py $(BUILD_DIR) '^$(CURDIR)/(base|engine|cli|agent|controller|kube|resources)/'

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR) $(FUZZ_DIR)
