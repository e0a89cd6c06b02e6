#!/bin/sh
# The folder layers of docs/HACKING.md hold: no include runs from a lower
# layer back up (tests/check_layers.sh), nothing outside harness/ includes
# a harness/ header, and the check itself catches a wrong-way include.
. "$(dirname "$0")/lib.sh"

out=$(sh "$ROOT/tests/check_layers.sh" 2>&1); rc=$?
expect_eq "check_layers.sh: no include crosses a layer the wrong way" "$rc${out:+: $out}" 0

hits=$(cd "$ROOT" && grep -rn '#include "harness/' lib suites scorers adapters reports 2>/dev/null)
expect_eq "no file outside harness/ includes a harness/ header" "$hits" ""

# (steval_version.h is the Makefile's generated header, not a module)
hits=$(cd "$ROOT" && grep -rn '#include "' lib | grep -v '#include "lib/\|#include "steval_version.h"')
expect_eq "lib/ includes nothing of the project but lib/" "$hits" ""

# the check on a small tree with one wrong-way include in each direction
mkdir -p "$TMP/t/lib" "$TMP/t/suites/parquet" "$TMP/t/scorers" "$TMP/t/harness/frames" \
         "$TMP/t/reports" "$TMP/t/adapters/http" "$TMP/t/harness/run"
printf '#include "lib/common.h"\n' >"$TMP/t/lib/a.h"
printf '#include "lib/common.h"\n#include "scorers/metric.h"\n' >"$TMP/t/suites/spec.c"
printf '#include "suites/suite.h"\n' >"$TMP/t/suites/parquet/p.c"
printf '#include "reports/report.h"\n' >"$TMP/t/scorers/x.c"
printf '#include "harness/run/run.h"\n' >"$TMP/t/harness/frames/f.c"
printf '#include "adapters/adapter.h"\n' >"$TMP/t/adapters/http/q.c"
printf '#include "harness/frames/frames.h"\n#include "reports/report.h"\n' >"$TMP/t/harness/run/ok.c"
out=$(sh "$ROOT/tests/check_layers.sh" "$TMP/t" 2>&1); rc=$?
expect_eq "a wrong-way include fails the check" "$rc" 1
expect_match "it names the file, line and include (suites -> scorers)" "$out" '^suites/spec.c:2: #include "scorers/metric.h"'
expect_match "suites/parquet may not include suites/" "$out" 'suites/parquet/p.c:1: #include "suites/suite.h"'
expect_match "scorers may not include reports" "$out" 'scorers/x.c:1:'
expect_match "harness/frames may not include harness/run" "$out" 'harness/frames/f.c:1:'
expect_match "adapters/http may not include adapters" "$out" 'adapters/http/q.c:1:'
n=$(printf '%s\n' "$out" | grep -c .)
expect_eq "exactly the five wrong-way includes are reported" "$n" 5
printf '#include "lib/common.h"\n' >"$TMP/t/harness/stray.c"
out=$(sh "$ROOT/tests/check_layers.sh" "$TMP/t" 2>&1)
expect_match "a file at the top of harness/ is outside every layer" "$out" 'harness/stray.c: not in any layer'
finish
