#!/usr/bin/env bash
# Keel's main job today: build the keel binary and run the crash-recovery demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product keel
.build/release/keel demo "$@"
