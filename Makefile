# weft - top-level commands. See README.md.
#   make        build build/weft and build/libweft.a
#   make test   install missing tools, build every variant, run every test
#   make demo   run the main example
#   make examples   build the example components (build/examples/hello)
#   make firmware   build the Cortex-M33 firmware (build/firmware/*.elf) and
#               print its flash and RAM
#   make bench  build the workloads in bench/ and compare weft with native
#               code, node and (when set) $WASM3 / $IWASM; ROUNDS=N rounds
#   make bench-instr  the same with callgrind instruction counts
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps test test-release test-switch test-asan demo examples firmware bench bench-instr clean

all: build/Makefile
	@$(MAKE) --no-print-directory -C build -j$(JOBS)

build/Makefile:
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null

deps:
	@scripts/deps.sh

# Three builds: computed-goto release, switch dispatch, and ASan+UBSan.
build-switch/Makefile:
	@cmake -S . -B build-switch -DCMAKE_BUILD_TYPE=Release -DWEFT_SWITCH_DISPATCH=ON $(CMAKE_FLAGS) >/dev/null
build-asan/Makefile:
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DWEFT_SANITIZE=ON -DCMAKE_C_COMPILER=clang-19 $(CMAKE_FLAGS) >/dev/null

test-release: deps all
	@cd build && ctest --output-on-failure -j$(JOBS)

test-switch: deps build-switch/Makefile
	@$(MAKE) --no-print-directory -C build-switch -j$(JOBS)
	@cd build-switch && ctest --output-on-failure -j$(JOBS)

test-asan: deps build-asan/Makefile
	@$(MAKE) --no-print-directory -C build-asan -j$(JOBS)
	@cd build-asan && ctest --output-on-failure -j$(JOBS)

test: test-release test-switch test-asan

demo: deps all
	@scripts/demo.sh

examples:
	@scripts/build-examples.sh

firmware: deps all
	@scripts/build-firmware.sh

# Benchmarks (bench/README.md); not part of `make test`.
bench: all
	@python3 bench/run.py --mode time

bench-instr: all
	@python3 bench/run.py --mode instr

clean:
	rm -rf build build-switch build-asan
