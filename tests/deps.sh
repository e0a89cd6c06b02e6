#!/bin/sh
# Install the Debian packages steval needs, non-interactively and idempotently.
#   sh tests/deps.sh build   what `make` and `make demo` need
#   sh tests/deps.sh all     that plus what `make check`, `make bench` and `make fuzz` need
#   sh tests/deps.sh slurm   Slurm and munge only (make check-slurm)
# When every package is already installed this does nothing and prints nothing.
set -eu

BUILD="build-essential pkg-config ca-certificates
libcurl4-openssl-dev libcjson-dev libpcre2-dev
libavformat-dev libavcodec-dev libswscale-dev libavutil-dev
zlib1g-dev libzstd-dev liblz4-dev libbrotli-dev libsnappy-dev libzip-dev
gnuplot-nox ffmpeg python3"

# Tests: cmocka units, the loopback servers (python3 standard library), the
# HTML viewer test (chromium), DuckDB for Parquet cross-checks (nodejs/npm),
# PyAV and numpy for the frame benchmark and the frame checks (numpy's
# linspace is the reference), OpenCV for the frame checks against the
# official scripts' reader (CAP_PROP_* and pixels), clang + libFuzzer
# runtime for `make fuzz`, nghttpd (nghttp2-server) for the HTTP/2
# connection-sharing test; DuckDB itself comes from the npm registry (below).
TEST="libcmocka-dev chromium python3-av python3-numpy python3-opencv clang libclang-rt-14-dev nghttp2-server"
# A one-node Slurm for tests/e2e/t_slurm.sh (the sweep scripts, submitted for
# real); the test starts its own munged, slurmctld and slurmd.
SLURM="slurm-wlm munge"
# Node.js may come from elsewhere (e.g. a vendor build that bundles npm and
# conflicts with Debian's npm package): only install Debian's when the
# commands are missing.
NODE="nodejs npm"

case "${1:-all}" in
build) want="$BUILD" ;;
all)   want="$BUILD $TEST $SLURM" ;;
slurm) want="$SLURM" ;;
*)     echo "usage: deps.sh build|all|slurm" >&2; exit 2 ;;
esac

missing=""
if [ "${1:-all}" = all ] && ! { command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; }; then
    missing="$NODE"
fi
for p in $want; do
    st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$st" = installed ] || missing="$missing $p"
done
install_debian() {
    [ -z "$missing" ] && return 0
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "deps: missing packages:$missing (no apt-get here: install them by hand)" >&2
        exit 2
    fi
    SUDO=""
    if [ "$(id -u)" != 0 ]; then
        if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
            echo "deps: missing packages:$missing (run as root or install sudo)" >&2
            exit 2
        fi
    fi
    echo "deps: installing:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
}
install_debian

# DuckDB from the npm registry, for the Parquet cross-checks and benchmark
# (tests/duckdb/package.json; node_modules is not committed). A failure here
# is reported, not fatal: those tests then say they were skipped and why.
if [ "${1:-all}" = all ] && [ ! -d "$(dirname "$0")/duckdb/node_modules/@duckdb/node-api" ] &&
   command -v npm >/dev/null 2>&1; then
    echo "deps: installing @duckdb/node-api into tests/duckdb" >&2
    (cd "$(dirname "$0")/duckdb" && npm install --no-save --no-audit --no-fund --loglevel=error >/dev/null) ||
        echo "deps: could not install @duckdb/node-api (the DuckDB tests will be skipped)" >&2
fi
exit 0
