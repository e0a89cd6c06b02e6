#!/bin/sh
# The command line: help, version, listing, exit codes for bad usage.
. "$(dirname "$0")/lib.sh"

out=$("$STEVAL" --help); rc=$?
expect_eq "steval --help exits 0" "$rc" 0
expect_match "--help lists the commands" "$out" "run +run a suite"
expect_match "--help documents exit codes" "$out" "3 run incomplete"
expect_rc "no command is a usage error" 2 "$STEVAL"
expect_rc "unknown command is a usage error" 2 "$STEVAL" frobnicate
out=$("$STEVAL" frobnicate 2>&1)
expect_match "unknown command is named" "$out" "'frobnicate' is not a steval command"
expect_rc "unknown global option" 2 "$STEVAL" --frob list
out=$("$STEVAL" --version)
expect_match "--version names the version" "$out" "^steval [0-9]+\.[0-9]+\.[0-9]+ "
expect_match "--version names libraries" "$out" "^libcurl [0-9.]+, libavformat"
for c in list show run score; do
    ok_if "steval $c --help" "$STEVAL" "$c" --help
    out=$("$STEVAL" help "$c")
    expect_match "steval help $c" "$out" "^usage: steval $c"
done
expect_rc "unknown option of a command" 2 "$STEVAL" list --bogus
out=$("$STEVAL" run demo --bogus 2>&1)
expect_match "unknown option is named" "$out" "unknown option '--bogus'"
expect_rc "option missing its value" 2 "$STEVAL" run demo --model
expect_rc "--limit expects a number" 2 "$STEVAL" run demo --model baseline:first --limit x

out=$("$STEVAL" list)
for s in demo vsi-bench vsti-bench sti-bench r4d-bench vlm4d mllm4d-bench; do
    expect_match "list shows $s" "$out" "^$s "
done
out=$("$STEVAL" list protocols)
expect_match "list protocols: STI openai" "$out" "sti-bench +openai +\(default\)"
expect_match "list protocols: STI opensource" "$out" "sti-bench +opensource"
expect_match "list protocols: R4D datamodule" "$out" "r4d-bench +datamodule"
expect_match "list protocols: MLLM4D rl_cot" "$out" "mllm4d-bench +rl_cot"
out=$("$STEVAL" list scorers)
expect_match "list scorers: extractors" "$out" "vsi-first-token"
expect_match "list scorers: metrics" "$out" "mra"
expect_rc "list of an unknown kind" 2 "$STEVAL" list widgets

out=$("$STEVAL" show demo)
expect_match "show demo: items" "$out" "10 items"
expect_match "show demo: categories" "$out" "direction +Direction +5 items"
expect_rc "show an unknown suite" 2 "$STEVAL" show nosuch
out=$("$STEVAL" show nosuch 2>&1)
expect_match "unknown suite lists the known ones" "$out" "known: .*vsi-bench"
expect_rc "show an unknown item" 2 "$STEVAL" show demo --item nope
expect_rc "show an unknown protocol" 2 "$STEVAL" show demo --protocol nope
out=$("$STEVAL" show demo --item dir-1 --raw)
expect_eq "show --raw prints the exact prompt" "$out" "These are frames of a video.
Which direction does the red box move?
Options:
A. left
B. right
C. up
D. down
Answer with the option's letter from the given choices directly."
out=$(STEVAL_SUITES=/nonexistent "$STEVAL" list 2>&1)
expect_match "STEVAL_SUITES adds to the search path" "$out" "demo"
# make deps is idempotent: with the build packages present (they are, or
# nothing here would have built) a second call installs nothing, says
# nothing and succeeds
if command -v dpkg-query >/dev/null 2>&1; then
    out=$(sh "$ROOT/tests/deps.sh" build 2>&1); rc=$?
    expect_eq "tests/deps.sh build: a no-op when all is present (exit 0, silent)" "$rc:$out" "0:"
fi
# STEVAL_DATA stands in for --data: the suite's own directory, or one that
# holds suites' directories by name
want=$("$STEVAL" show r4d-bench --data "$ROOT/fixtures/r4d-bench" --item 12 --raw)
expect_eq "STEVAL_DATA=DIR/SUITE gives what --data gives" \
    "$(STEVAL_DATA=$ROOT/fixtures/r4d-bench "$STEVAL" show r4d-bench --item 12 --raw)" "$want"
expect_eq "STEVAL_DATA=DIR holding SUITE/ gives what --data gives" \
    "$(STEVAL_DATA=$ROOT/fixtures "$STEVAL" show r4d-bench --item 12 --raw)" "$want"
finish
