#!/usr/bin/env bash
# Configure and build certpilot in ${BUILD_DIR:-build} (relative to the
# repository root). Extra arguments go to the cmake configure step, e.g.
#   bash scripts/build.sh -DCERTPILOT_SANITIZE=ON
# BUILD_TARGETS="t1 t2" builds only those targets (default: everything).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
targets=()
if [ -n "${BUILD_TARGETS:-}" ]; then
    read -r -a names <<<"$BUILD_TARGETS"
    targets=(--target "${names[@]}")
fi
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
cmake --build "$BUILD_DIR" -j"$(nproc)" "${targets[@]}"
