#!/usr/bin/env bash
# Installs every Debian package cube needs, idempotently.
#
# The list below is the single source of truth: later work adds its packages
# here.  A package already installed is skipped; `apt-get update` runs only
# when something is missing and the package lists are absent or older than a
# day (so a fresh machine works and a prepared one costs nothing).
set -euo pipefail

PACKAGES=(
  # build
  make gcc pkg-config curl
  libmicrohttpd-dev libcurl4-openssl-dev libcjson-dev libyaml-dev
  libnl-3-dev libnl-route-3-dev libssl-dev
  libcriterion-dev
  libarchive-dev                    # image layers (tar, gzip)
  zlib1g-dev                        # SPDY/3.1 header blocks (port-forward)
  clang libclang-rt-14-dev          # fuzzing (libFuzzer) and sanitizers
  cppcheck clang-format             # make lint
  # the real components and test tools
  etcd-server etcd-client runc iptables iproute2 conntrack
  busybox-static                    # test images
  docker-registry                   # a real OCI registry for the image tests
  wrk                               # benchmarks' baselines
  python3-kubernetes                # the python client as a test client
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "deps: missing packages (${missing[*]}); run 'make deps' as root" >&2
  exit 1
fi

echo "deps: installing ${missing[*]}"
lists=/var/lib/apt/lists
if [ -z "$(find "$lists" -maxdepth 1 -name '*_Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
  apt-get update -qq
fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
  # A stale list can name versions the mirror no longer has: refresh once, retry.
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
