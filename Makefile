# The two commands a user needs on a fresh Debian 12 machine (as root):
#   make up     set everything up and run Tessera's main job (make down stops it)
#   make test   set everything up and run every test suite
# The other targets are the steps they are made of.

BUILD_DIR    ?= build
SANITIZE_DIR ?= build-sanitize
TSAN_DIR     ?= build-tsan
FUZZ_SECONDS ?= 20
CMAKE_FLAGS  ?=
CTEST_FLAGS  ?= --output-on-failure --parallel $(shell nproc)

.PHONY: up down test setup configure build unit check-format check-layering format sanitize sanitize-build tsan tidy \
        fuzz clean

up: build
	scripts/up.sh "$(BUILD_DIR)"

down:
	$(BUILD_DIR)/bin/tessera down

# Each step in turn, ending with a table of where the time went (also in
# $(BUILD_DIR)/ci-times.txt).
CI_STEPS = setup check-format build check-layering unit tidy sanitize fuzz tsan
test:
	BUILD_DIR=$(BUILD_DIR) scripts/ci_steps.py $(CI_STEPS)

setup:
	scripts/setup.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DTESSERA_WERROR=ON -DTESSERA_ROCM=ON $(CMAKE_FLAGS)

configure: setup $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR)

# Every suite but the end-to-end ones CI runs on the sanitized binaries
# only (label e2e_sanitized; see tests/CMakeLists.txt).
unit: build
	ctest --test-dir $(BUILD_DIR) $(CTEST_FLAGS) --label-exclude e2e_sanitized

# AddressSanitizer and UndefinedBehaviorSanitizer over the same suites, built
# with Clang: it compiles instrumented code in half GCC's time, and a second
# compiler's warnings come for free. Benchmarks are left to the main build.
# The same tree carries libFuzzer's coverage instrumentation, so the fuzz
# targets link against objects already built instead of a tree of their own.
sanitize-build: setup
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(SANITIZE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DTESSERA_WERROR=ON -DTESSERA_SANITIZE=ON -DTESSERA_BUILD_FUZZERS=ON \
	  -DTESSERA_BUILD_BENCHMARKS=OFF -DTESSERA_ROCM=ON $(CMAKE_FLAGS)
	cmake --build $(SANITIZE_DIR)

sanitize: sanitize-build
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(SANITIZE_DIR) $(CTEST_FLAGS)

# libFuzzer over what the agent, the router and the engine simulator read
# from the network, each target for a bounded time: worker specs alone,
# whole agent admin requests from raw bytes, the router's client requests
# and membership, and SGLang's /generate bodies. New
# inputs that find new coverage are kept in the build tree, not the
# repository.
FUZZERS = worker_spec admin_request router_request generate_request
fuzz: sanitize-build
	for fuzzer in $(FUZZERS); do \
	  mkdir -p $(SANITIZE_DIR)/corpus/$$fuzzer && \
	  $(SANITIZE_DIR)/bin/$${fuzzer}_fuzzer -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    $(SANITIZE_DIR)/corpus/$$fuzzer tests/fuzz/corpus/$$fuzzer || exit 1; \
	done

# ThreadSanitizer over the code that runs threads: the HTTP stack's client
# and server (tests drive them from other threads), the Kubernetes client
# (cpprestsdk's pool, informers, leader election), the controller (work
# queue, fleet monitor, control loop), the agent's metrics merger and the
# logger; then the agent and the controller end to end, on a directory of
# manifests and on a real API server (informers, leader election, the
# GPUNode publisher). Reports are written to files and any report fails the
# step; tests/sanitizers/tsan.supp says what is suppressed and why.
TSAN_SUITES = http_unit_tests kube_unit_tests controller_unit_tests agent_metrics_unit_tests \
              base_unit_tests
TSAN_E2E = test_agent.py test_controller_directory.py test_controller_kube.py
TSAN_REPORTS = $(CURDIR)/$(TSAN_DIR)/reports
TSAN_RUN = TSAN_OPTIONS=exitcode=0:second_deadlock_stack=1:log_path=$(TSAN_REPORTS)/tsan:suppressions=$(CURDIR)/tests/sanitizers/tsan.supp
tsan: setup
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(TSAN_DIR) -G Ninja \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTESSERA_WERROR=ON -DTESSERA_TSAN=ON \
	  -DTESSERA_BUILD_BENCHMARKS=OFF -DTESSERA_ROCM=ON $(CMAKE_FLAGS)
	cmake --build $(TSAN_DIR) --target $(TSAN_SUITES) tessera-agent tessera-controller \
	  tessera-engine-sim tessera-router
	rm -rf $(TSAN_REPORTS) && mkdir -p $(TSAN_REPORTS)
	for suite in $(TSAN_SUITES); do \
	  $(TSAN_RUN) $(TSAN_DIR)/tests/$$suite --gtest_brief=1 || exit 1; \
	done
	$(TSAN_RUN) TESSERA_SANITIZE=TSAN tests/e2e/run.sh $(TSAN_DIR)/bin $(TSAN_E2E)
	@if ls $(TSAN_REPORTS)/* >/dev/null 2>&1; then \
	  cat $(TSAN_REPORTS)/*; echo "tsan: $$(ls $(TSAN_REPORTS) | wc -l) report file(s)" >&2; exit 1; \
	fi; echo "tsan: no reports"

check-format: setup
	scripts/check-format.sh

# Every library links what it includes, and only that.
check-layering: configure
	scripts/check-layering.py $(BUILD_DIR)

format:
	scripts/check-format.sh --fix

# clang-tidy over every source, skipping those unchanged (with all they
# include) since they last passed on this machine; first, the check that
# tidy sees our headers at all.
tidy: build
	tests/tidy/header_filter_test.sh "$$(scripts/setup-python.sh)/bin/clang-tidy"
	scripts/tidy.py $(BUILD_DIR) '^$(CURDIR)/(base|hardware|http|wire|engine|resources|kube|agent|controller|router|cli)/'

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR) $(TSAN_DIR)
