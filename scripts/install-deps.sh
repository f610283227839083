#!/usr/bin/env bash
# Installs the Debian packages Keel builds against, when they are missing.
# Safe to run repeatedly: it does nothing when everything is present.
set -euo pipefail

packages=(pkg-config liblz4-dev libxxhash-dev libsqlite3-dev libjemalloc-dev)
missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing missing packages: ${missing[*]}"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
if ! command -v swift >/dev/null 2>&1; then
    echo "Swift 6 is required (https://www.swift.org/install/linux/); 'swift' is not on PATH." >&2
    exit 1
fi
