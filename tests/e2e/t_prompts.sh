#!/bin/sh
# Byte-exact prompts: steval against an independent reimplementation of each
# suite's official prompt construction (tests/golden/prompt_oracle.py).
#
#  1. every (suite, protocol) steval lists has goldens, and every golden's
#     (suite, protocol) exists;
#  2. for every golden item: the prompt `steval show --dump` writes equals the
#     golden byte for byte (a mismatch prints the first differing byte and line
#     of each side), and `steval show --item --raw` does for one item a group;
#  3. the system prompt `steval show` prints equals the golden SYSTEM.txt, or
#     there is none when the protocol has none;
#  4. the oracle, run again, writes exactly the committed goldens;
#  5. bulk: `steval run --model baseline:first` over every data set the oracle
#     knows (all 1816 VLM4D items, MLLM-4D's protocols on the VLM4D files, the
#     fixtures) records for each item the sha256 of the prompt it rendered;
#     each must equal the sha256 of the oracle's text.
# Regenerate the goldens: python3 tests/golden/prompt_oracle.py --write
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 2
# the interpreter itself, once (a pyenv shim costs a second per start)
PY=$(python3 -c 'import sys; print(sys.executable)') || exit 2

G=tests/golden/prompts
ORACLE=tests/golden/prompt_oracle.py
TAB=$(printf '\t')

# first_diff GOT WANT: where two files first differ, each side's line shown with cat -A
first_diff() {
    _c=$(cmp "$1" "$2" 2>&1)
    _line=$(printf '%s' "$_c" | sed -n 's/.*line \([0-9][0-9]*\).*/\1/p')
    printf '%s\n' "$_c"
    if [ -n "$_line" ]; then
        printf 'steval line %s: %s\n' "$_line" "$(sed -n "${_line}p" "$1" | cat -A)"
        printf 'golden line %s: %s\n' "$_line" "$(sed -n "${_line}p" "$2" | cat -A)"
    fi
    case "$_c" in
    *EOF*|*empty*)
        printf 'steval ends: %s\n' "$(tail -c 80 "$1" | cat -A)"
        printf 'golden ends: %s\n' "$(tail -c 80 "$2" | cat -A)" ;;
    esac
}

# the system prompt in `steval show --item` output, written to $2 (exit 1: none)
extract_system() {
    "$PY" -c '
import sys
out = sys.stdin.buffer.read()
a = out.find(b"----- system -----\n")
if a < 0:
    sys.exit(1)
b = out.find(b"\n----- user text -----\n", a)
sys.stdout.buffer.write(out[a + len(b"----- system -----\n"):b])
' <"$1" >"$2"
}

# --- 1. coverage -----------------------------------------------------------
"$STEVAL" list protocols | awk '{ print $1 "\t" $2 }' | sort -u >"$TMP/listed"
grep -v '^#' "$G/index.tsv" | cut -f1,2 | sort -u >"$TMP/golden"
missing=$(comm -23 "$TMP/listed" "$TMP/golden")
extra=$(comm -13 "$TMP/listed" "$TMP/golden")
expect_eq "every protocol of every suite has prompt goldens" "$missing" ""
expect_eq "every golden protocol is a protocol steval lists" "$extra" ""

# --- 2. and 3. every golden item, every protocol's system prompt ------------
# One `steval show --dump` per (suite, protocol, data) writes every prompt;
# `show --item --raw` (the path a user takes) is checked once per group too.
grep -v '^#' "$G/index.tsv" >"$TMP/index"
cut -f1,2,3 "$TMP/index" | sort -u >"$TMP/groups"
g=0
while IFS="$TAB" read -r suite proto data; do
    g=$((g + 1))
    d="$TMP/dump$g"
    if ! "$STEVAL" show "$suite" --data "$data" --protocol "$proto" --dump "$d" 2>"$TMP/err"; then
        _report 1 "prompts $suite/$proto ($data)" "steval show --dump failed: $(cat "$TMP/err")"
        continue
    fi
    awk -F "$TAB" -v s="$suite" -v p="$proto" -v dd="$data" \
        '$1 == s && $2 == p && $3 == dd' "$TMP/index" >"$TMP/rows"
    first=1
    while IFS="$TAB" read -r _s _p _d id golden system; do
        name="prompt $suite/$proto $id ($data)"
        file=$(awk -F "$TAB" -v i="$id" '$1 == i { print $2; exit }' "$d/index.tsv")
        if [ -z "$file" ]; then
            _report 1 "$name" "item missing from steval show --dump"
        elif cmp -s "$d/$file" "$G/$golden"; then
            _report 0 "$name"
        else
            _report 1 "$name" "$(first_diff "$d/$file" "$G/$golden")"
        fi
        if [ "$first" = 1 ]; then
            first=0
            "$STEVAL" show "$suite" --data "$data" --item "$id" --protocol "$proto" --raw \
                >"$TMP/got" 2>"$TMP/err"
            if cmp -s "$TMP/got" "$G/$golden"; then
                _report 0 "show --item --raw $suite/$proto $id"
            else
                _report 1 "show --item --raw $suite/$proto $id" "$(first_diff "$TMP/got" "$G/$golden")$(cat "$TMP/err")"
            fi
            "$STEVAL" show "$suite" --data "$data" --item "$id" --protocol "$proto" >"$TMP/show" 2>&1
            if [ "$system" = - ]; then
                if extract_system "$TMP/show" "$TMP/sys" || [ -f "$d/system.txt" ]; then
                    _report 1 "system prompt $suite/$proto ($data): none" "steval shows one"
                else
                    _report 0 "system prompt $suite/$proto ($data): none"
                fi
            elif ! extract_system "$TMP/show" "$TMP/sys"; then
                _report 1 "system prompt $suite/$proto ($data)" "steval shows none"
            elif cmp -s "$TMP/sys" "$G/$system" && cmp -s "$d/system.txt" "$G/$system"; then
                _report 0 "system prompt $suite/$proto ($data)"
            else
                _report 1 "system prompt $suite/$proto ($data)" "$(first_diff "$TMP/sys" "$G/$system")"
            fi
        fi
    done <"$TMP/rows"
done <"$TMP/groups"

# --- 4. the goldens are what the oracle writes now ------------------------
if "$PY" "$ORACLE" --write --out "$TMP/regen" >"$TMP/oracle.log" 2>&1; then
    d=$(diff -r "$G" "$TMP/regen" 2>&1 | head -40)
    expect_eq "goldens are current (python3 $ORACLE --write)" "$d" ""
else
    _report 1 "goldens are current (python3 $ORACLE --write)" "$(cat "$TMP/oracle.log")"
fi

# --- 5. bulk: the prompt digests of whole data sets -----------------------
"$PY" "$ORACLE" --digests >"$TMP/digests" 2>"$TMP/oracle.err" ||
    _report 1 "oracle --digests" "$(cat "$TMP/oracle.err")"
cut -f1,2,3 "$TMP/digests" | sort -u >"$TMP/dgroups"
k=0
while IFS="$TAB" read -r suite proto data; do
    k=$((k + 1))
    name="prompt digests $suite/$proto ($data)"
    awk -F "$TAB" -v s="$suite" -v p="$proto" -v d="$data" \
        '$1 == s && $2 == p && $3 == d && $5 != "-" { print $4 "\t" $5 }' "$TMP/digests" |
        sort >"$TMP/want"
    if ! run=$("$STEVAL" run "$suite" --model baseline:first --data "$data" --protocol "$proto" --repeats 1 \
        --out "$TMP/runs$k" 2>"$TMP/err"); then
        _report 1 "$name" "steval run failed: $(tail -5 "$TMP/err")"
        continue
    fi
    # items the official code gives no prompt (digest "-") are not compared
    "$PY" -c '
import json, sys
skip = set(l.split("\t")[3] for l in open(sys.argv[2]) if l.rstrip("\n").split("\t")[4] == "-"
           and l.split("\t")[:3] == sys.argv[3:6])
for line in open(sys.argv[1], encoding="utf-8"):
    s = json.loads(line)
    if s["id"] not in skip:
        print("%s\t%s" % (s["id"], s.get("prompt_sha256", "none")))
' "$run/samples.jsonl" "$TMP/digests" "$suite" "$proto" "$data" | sort >"$TMP/got"
    n=$(wc -l <"$TMP/want")
    d=$(diff "$TMP/got" "$TMP/want" | head -10)
    if [ "$n" -gt 0 ] && [ -z "$d" ]; then
        _report 0 "$name: $n items"
    else
        _report 1 "$name: $n items" "< steval run, > oracle:
$d"
    fi
done <"$TMP/dgroups"

finish
