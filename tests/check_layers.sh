#!/bin/sh
# The layers of docs/HACKING.md, checked: every #include "..." of a source
# file must point to its own folder or to a folder its layer may use.
# Prints each offending `file:line: #include` and exits 1; silent and 0
# when the layout holds. Run by `make check` (tests/e2e/t_layers.sh).
#
#   layer (longest prefix wins)  may include
#   harness/cli/                 everything
#   harness/run/                 harness/run harness/frames reports scorers adapters suites lib
#   harness/frames/              harness/frames adapters suites lib
#   reports/                     reports scorers suites lib
#   scorers/                     scorers suites lib
#   adapters/                    adapters suites lib         (adapters/http: only itself and lib)
#   adapters/http/               adapters/http lib
#   suites/                      suites lib                  (suites/parquet: only itself and lib)
#   suites/parquet/              suites/parquet lib
#   lib/                         lib
set -u
cd "${1:-$(dirname "$0")/..}" || exit 2

allowed() {
    case "$1" in
    harness/cli/)    echo "harness/ reports/ scorers/ adapters/ suites/ lib/" ;;
    harness/run/)    echo "harness/run/ harness/frames/ reports/ scorers/ adapters/ suites/ lib/" ;;
    harness/frames/) echo "harness/frames/ adapters/ suites/ lib/" ;;
    reports/)        echo "reports/ scorers/ suites/ lib/" ;;
    scorers/)        echo "scorers/ suites/ lib/" ;;
    adapters/http/)  echo "adapters/http/ lib/" ;;
    adapters/)       echo "adapters/ suites/ lib/" ;;
    suites/parquet/) echo "suites/parquet/ lib/" ;;
    suites/)         echo "suites/ lib/" ;;
    lib/)            echo "lib/" ;;
    esac
}

layer_of() {
    for l in harness/cli/ harness/run/ harness/frames/ adapters/http/ adapters/ \
             suites/parquet/ suites/ reports/ scorers/ lib/; do
        case "$1" in "$l"*) echo "$l"; return ;; esac
    done
}

bad=0
files=$(find lib suites scorers adapters reports harness \( -name '*.c' -o -name '*.h' \) | sort)
for f in $files; do
    from=$(layer_of "$f")
    if [ -z "$from" ]; then
        echo "$f: not in any layer of docs/HACKING.md (harness/ holds only cli/, run/, frames/)"
        bad=1
        continue
    fi
    ok=$(allowed "$from")
    # "lib/common.h" and the like; system headers (<...>) are not ours
    grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" | while IFS= read -r line; do
        inc=$(printf '%s\n' "$line" | sed 's/^[0-9]*:[^"]*"\([^"]*\)".*/\1/')
        case "$inc" in */*) ;; *) continue ;; esac     # generated headers (steval_version.h)
        pass=0
        for a in $ok; do
            case "$inc" in "$a"*) pass=1 ;; esac
        done
        if [ "$pass" = 0 ]; then
            echo "$f:${line%%:*}: ${line#*:}   ($from may include only: $ok)"
        fi
    done
done >"${TMPDIR:-/tmp}/layers.$$"
if [ -s "${TMPDIR:-/tmp}/layers.$$" ]; then
    cat "${TMPDIR:-/tmp}/layers.$$"
    rm -f "${TMPDIR:-/tmp}/layers.$$"
    exit 1
fi
rm -f "${TMPDIR:-/tmp}/layers.$$"
exit "$bad"
