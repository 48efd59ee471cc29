#!/usr/bin/env bash
# Installs the Debian packages the portal and its tests need, when run as root and when missing.
# Usage: scripts/install-system.sh [run|test|bench]
#   run: what `make run` needs; test: what `make test` needs; bench: test's and wrk
set -euo pipefail
profile=${1:-test}

run_pkgs=(python3 python3-venv python3-dev build-essential
          libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fontconfig
          fonts-noto-core fonts-dejavu-core)
test_pkgs=(postgresql redis-server chromium poppler-utils zbar-tools qpdf systemd default-jre-headless)
bench_pkgs=(wrk)

pkgs=("${run_pkgs[@]}")
[ "$profile" = test ] && pkgs+=("${test_pkgs[@]}")
[ "$profile" = bench ] && pkgs+=("${test_pkgs[@]}" "${bench_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
