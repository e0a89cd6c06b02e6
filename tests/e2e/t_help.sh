#!/bin/sh
# Every command's --help works, and docs/steval.1 covers every command and
# every long option their --help lists (so the two cannot drift apart).
. "$(dirname "$0")/lib.sh"

MAN=$ROOT/docs/steval.1
expect_file "docs/steval.1 exists" "$MAN"
# the man page's text with roff's escaped hyphens made plain
man_text=$(sed 's/\\-/-/g' "$MAN")

cmds=$("$STEVAL" --help | sed -n '/^commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
expect_match "steval --help lists commands" "$cmds" 'report'
for c in $cmds; do
    out=$("$STEVAL" "$c" --help 2>&1); rc=$?
    expect_eq "steval $c --help exits 0" "$rc" 0
    [ "$c" = version ] && continue
    expect_match "steval $c --help starts with its usage" "$out" "^usage: steval $c"
    if printf '%s\n' "$man_text" | grep -q "^\.SS \"steval $c"; then
        _report 0 "steval.1 has a section for $c"
    else
        _report 1 "steval.1 has a section for $c"
    fi
    missing=""
    for o in $(printf '%s\n' "$out" | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
        [ "$o" = --help ] && continue
        printf '%s\n' "$man_text" | grep -Eq -- "$o([^a-z0-9-]|$)" || missing="$missing $o"
    done
    expect_eq "steval.1 documents every option of $c" "$missing" ""
done
for o in --verbose --quiet --version; do
    printf '%s\n' "$man_text" | grep -q -- "$o" && _report 0 "steval.1 documents global $o" || _report 1 "steval.1 documents global $o"
done
for code in 0 1 2 3; do
    printf '%s\n' "$man_text" | sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' | grep -q "^\.B $code\$" \
        && _report 0 "steval.1 documents exit status $code" || _report 1 "steval.1 documents exit status $code"
done
for e in STEVAL_SUITES STEVAL_DATA STEVAL_GNUPLOT; do
    printf '%s\n' "$man_text" | grep -q "^\.B $e" && _report 0 "steval.1 documents $e" || _report 1 "steval.1 documents $e"
done
if command -v groff >/dev/null 2>&1; then
    out=$(groff -man -Tutf8 -ww -z "$MAN" 2>&1)
    expect_eq "steval.1 formats without warnings" "$out" ""
else
    skip "steval.1 formats without warnings" "no groff"
fi
finish
