# tests/e2e/lib.sh: sourced by every end-to-end script. Prints TAP lines.
#
#   ok_if NAME CMD...            passes when CMD exits 0
#   expect_rc NAME RC CMD...     passes when CMD exits RC
#   expect_eq NAME GOT WANT      string equality
#   expect_match NAME TEXT ERE   TEXT matches the extended regex
#   expect_file NAME PATH        PATH exists and is not empty
#   finish                       prints the plan and exits 1 if any failed
#
# Variables: STEVAL (the binary), ROOT (project), SHARED (../shared),
# TMP (a fresh directory removed at exit).
set -u
ROOT=${STEVAL_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
STEVAL=${STEVAL:-$ROOT/steval}
SHARED=${STEVAL_SHARED:-$ROOT/../shared}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/steval-e2e.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export LC_ALL=C.UTF-8
export STEVAL_CACHE_DIR="$TMP/cache"
_n=0
_failed=0

_report() { # status name [detail]
    _n=$((_n + 1))
    if [ "$1" = 0 ]; then
        echo "ok $_n - $2"
    else
        _failed=$((_failed + 1))
        echo "not ok $_n - $2"
        [ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/#   /'
    fi
}

ok_if() {
    _name=$1; shift
    _out=$("$@" 2>&1); _rc=$?
    if [ $_rc = 0 ]; then _report 0 "$_name"; else _report 1 "$_name" "exit $_rc: $_out"; fi
}

expect_rc() {
    _name=$1 _want=$2; shift 2
    _out=$("$@" 2>&1); _rc=$?
    if [ "$_rc" = "$_want" ]; then _report 0 "$_name"
    else _report 1 "$_name" "exit $_rc (want $_want): $_out"; fi
}

expect_eq() {
    if [ "$2" = "$3" ]; then _report 0 "$1"
    else _report 1 "$1" "got:  $2
want: $3"; fi
}

expect_match() {
    if printf '%s' "$2" | grep -Eq -- "$3"; then _report 0 "$1"
    else _report 1 "$1" "text does not match /$3/: $(printf '%s' "$2" | head -c 2000)"; fi
}

expect_file() {
    if [ -s "$2" ]; then _report 0 "$1"; else _report 1 "$1" "missing or empty: $2"; fi
}

skip() { # name reason
    _n=$((_n + 1))
    echo "ok $_n - $1 # SKIP $2"
}

finish() {
    echo "1..$_n"
    [ "$_failed" = 0 ]
}
