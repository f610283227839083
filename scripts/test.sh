#!/usr/bin/env bash
# Builds Keel with warnings as errors and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build --build-tests -Xswiftc -warnings-as-errors --disable-experimental-prebuilts
swift test --skip-build --disable-experimental-prebuilts
