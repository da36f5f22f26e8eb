# The two commands a user needs on a fresh Debian 12 machine (as root):
#   make up     set everything up and run Tessera's main job
#   make test   set everything up and run every test suite
# The other targets are the steps they are made of.

BUILD_DIR    ?= build
SANITIZE_DIR ?= build-sanitize
CMAKE_FLAGS  ?=
CTEST_FLAGS  ?= --output-on-failure

.PHONY: up test setup configure build unit check-format format sanitize tidy clean

up: build
	scripts/up.sh "$(BUILD_DIR)"

test: setup check-format build unit tidy sanitize

setup:
	scripts/setup.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DTESSERA_WERROR=ON $(CMAKE_FLAGS)

configure: setup $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR)

unit: build
	ctest --test-dir $(BUILD_DIR) $(CTEST_FLAGS)

# AddressSanitizer and UndefinedBehaviorSanitizer over the same suites.
sanitize: setup
	cmake -S . -B $(SANITIZE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTESSERA_WERROR=ON \
	  -DTESSERA_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build $(SANITIZE_DIR)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(SANITIZE_DIR) $(CTEST_FLAGS)

check-format: setup
	scripts/check-format.sh

format:
	scripts/check-format.sh --fix

tidy: configure
	run-clang-tidy-14 -quiet -p $(BUILD_DIR) '^$(CURDIR)/(base|engine|cli|agent|controller)/'

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_DIR)
