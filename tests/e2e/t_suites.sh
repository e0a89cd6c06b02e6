#!/bin/sh
# Loading every suite over its fixture (fixtures/, ../shared/data/vlm4d):
# item counts, ids, categories, answer types, truths, accepted letters and
# splits, compared with what the official code makes of the same records
# (computed independently below in Python from the raw files), plus the cases
# the suites are known for, and bad input: each must give exit 2 and an error
# naming the file and the line or item. Broken inputs are temporary copies.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 2
# the interpreter itself, once (a pyenv shim costs a second per start)
PY=$(python3 -c 'import sys; print(sys.executable)') || exit 2

VLM4D=$SHARED/data/vlm4d

# items SUITE DATA: run the suite with a baseline; $TMP/got.tsv holds one line
# per item (id, category, answer type, truth, accepted letters or "-"),
# $TMP/splits.tsv one per split (name, item count). Returns the run's exit.
_k=0
items() {
    _k=$((_k + 1))
    _run=$("$STEVAL" run "$1" --model baseline:first --data "$2" --out "$TMP/runs$_k" 2>"$TMP/run.err") ||
        return 1
    "$PY" - "$_run" "$TMP/splits.tsv" >"$TMP/got.tsv" <<'EOF' || return 1
import json, sys
run = sys.argv[1]
for line in open(run + "/samples.jsonl", encoding="utf-8"):
    s = json.loads(line)
    acc = s.get("accepted")
    print("\t".join([s["id"], s["category"], s["type"], s["truth"], "-" if acc is None else acc]))
res = json.load(open(run + "/results.json", encoding="utf-8"))
with open(sys.argv[2], "w") as f:
    for name, v in (res.get("splits") or {}).items():
        f.write("%s\t%d\n" % (name, v["n"]))
EOF
}

# expected SUITE FILE...: the same table from the raw records, as the official
# code reads them (types by question_type, truth letters as the official
# scorers find them: VSI ground_truth, VSTI mc_answer, STI Answer, R4D
# r4d_doc_to_target, VLM4D every choice equal to the answer)
expected() {
    "$PY" - "$@" >"$TMP/want.tsv" <<'EOF'
import ast, csv, json, os, string, sys
suite, files = sys.argv[1], sys.argv[2:]

def pystr(v):
    return "None" if v is None else "True" if v is True else "False" if v is False else str(v)

def records(path):
    if path.endswith(".jsonl"):
        return [json.loads(l) for l in open(path, encoding="utf-8") if l.strip()]
    if path.endswith(".tsv"):
        with open(path, encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f, delimiter="\t"))
    return json.load(open(path, encoding="utf-8"))

VSI_MCA = {"object_rel_direction_easy", "object_rel_direction_medium", "object_rel_direction_hard",
           "object_rel_distance", "route_planning", "obj_appearance_order"}
VSTI_MCA = {"obj_obj_relative_pos_nf", "obj_obj_relative_pos_ud", "obj_obj_relative_pos_lr",
            "camera_obj_rel_dist_v1", "camera_obj_rel_dist_v2", "camera_obj_rel_dist_v3",
            "camera_movement_direction"}
for path in files:
    stem = os.path.basename(path).split(".")[0]
    for r in records(path):
        if suite == "vsi-bench":
            mc = r["question_type"] in VSI_MCA
            row = [str(r["id"]), r["question_type"], "mc" if mc else "na", r["ground_truth"],
                   r["ground_truth"] if mc else "-"]
        elif suite == "vsti-bench":
            mc = r["question_type"] in VSTI_MCA
            row = [str(r["id"]), r["question_type"], "mc" if mc else "na",
                   r["mc_answer"] if mc else pystr(r["ground_truth"]), r["mc_answer"] if mc else "-"]
        elif suite == "sti-bench" and "Video" in r:
            c = r["Candidates"]
            c = json.loads(c) if isinstance(c, str) else c
            row = ["%s#%s" % (r["Video"], r["ID"]), r["Task"], "mc", r["Answer"],
                   r["Answer"] if r["Answer"] in c else ""]
        elif suite == "sti-bench":
            n = len(ast.literal_eval(r["options"]))
            row = ["%s#%s" % (r["video"], r["index"]), r["task_type"], "mc", r["answer"],
                   r["answer"] if r["answer"] in string.ascii_uppercase[:n] else ""]
        elif suite == "r4d-bench":
            # r4d_doc_to_target over the lmms-eval normalised record
            opts = ["" if o is None else str(o) for o in r["options"]]
            ans = "" if r["answer"] is None else str(r["answer"])
            letter = "" if ans == "" or ans not in opts else string.ascii_uppercase[opts.index(ans)]
            row = [str(r["id"]), r["task"], "mc" if r.get("som_image") else "mc-nosom",
                   pystr(r["answer"]), letter]
        else:  # vlm4d, mllm4d-bench
            if suite == "vlm4d":
                n = int(r["id"].split("_")[-1])
                a = str(r["answer"]).strip().lower()
                if stem == "real_mc":
                    cat = "real/exo" if n <= 922 else "real/ego"
                else:
                    cat = "synthetic/fp" if a == "no" or a.startswith("no ") else "synthetic/directional"
            else:
                cat = r.get("category", "uncategorized")
            acc = "".join(k for k, v in r["choices"].items() if v == r["answer"])
            row = ["%s/%s" % (stem, r["id"]), cat, "mc", pystr(r["answer"]), acc]
        print("\t".join(row))
EOF
}

# check_suite NAME SUITE DATA FILE...: steval's table equals the expected one
check_suite() {
    _name=$1 _suite=$2 _data=$3
    shift 3
    if ! items "$_suite" "$_data"; then
        _report 1 "$_name: loads" "$(cat "$TMP/run.err")"
        return
    fi
    expected "$_suite" "$@"
    _d=$(diff "$TMP/got.tsv" "$TMP/want.tsv" | head -20)
    expect_eq "$_name: $(wc -l <"$TMP/want.tsv") items (id, category, type, truth, letters)" "$_d" ""
}

# field N of the line for item ID in $TMP/got.tsv
item_field() { awk -F '\t' -v id="$1" -v f="$2" '$1 == id { print $f }' "$TMP/got.tsv"; }
split_n() { awk -F '\t' -v s="$1" '$1 == s { print $2 }' "$TMP/splits.tsv"; }
ncat() { awk -F '\t' -v c="$1" '$2 == c' "$TMP/got.tsv" | wc -l | tr -d ' '; }

# --- VSI-Bench -------------------------------------------------------------
check_suite "vsi-bench" vsi-bench fixtures/vsi-bench fixtures/vsi-bench/test.jsonl
n=$(cut -f2 "$TMP/got.tsv" | sort -u | wc -l | tr -d ' ')
expect_eq "vsi-bench: all 10 question types" "$n" 10
expect_eq "vsi-bench: splits by dataset" "$(split_n arkitscenes) $(split_n scannet) $(split_n scannetpp)" "7 5 8"
expect_eq "vsi-bench: numerical truth kept as written" "$(item_field 2633 4) $(item_field 2633 3)" "38.75 na"

# --- VSTI-Bench ------------------------------------------------------------
check_suite "vsti-bench" vsti-bench fixtures/vsti-bench fixtures/vsti-bench/test.jsonl
n=$(cut -f2 "$TMP/got.tsv" | sort -u | wc -l | tr -d ' ')
expect_eq "vsti-bench: 9 question types + camera_obj_dist_change" "$n" 10
expect_eq "vsti-bench: MC truth is mc_answer, NA truth ground_truth as str()" \
    "$(item_field 6 4)/$(item_field 6 5) $(item_field 3 4)/$(item_field 3 5)" "C/C 4.0/-"
expect_eq "vsti-bench: camera_obj_dist_change is numerical" "$(item_field 4 3)" na

# --- STI-Bench (qa.jsonl and VLMEvalKit's TSV) ----------------------------
check_suite "sti-bench qa.jsonl" sti-bench fixtures/sti-bench fixtures/sti-bench/qa.jsonl
n=$(cut -f2 "$TMP/got.tsv" | sort -u | wc -l | tr -d ' ')
expect_eq "sti-bench: all 8 tasks" "$n" 8
expect_eq "sti-bench: Candidates as a JSON string gives letters" \
    "$(item_field '1005081002024129653_5313_150_5333_150_camera_1.mp4#2' 5)" A
expect_eq "sti-bench: scene types outdoor/indoor/desktop" \
    "$(split_n outdoor) $(split_n indoor) $(split_n desktop)" "6 6 6"
expect_eq "sti-bench: static/dynamic tasks" "$(split_n static) $(split_n dynamic)" "7 11"
check_suite "sti-bench STIBench.tsv" sti-bench fixtures/sti-bench-tsv fixtures/sti-bench-tsv/STIBench.tsv
expect_eq "sti-bench tsv: scene types outdoor/indoor/desktop" \
    "$(split_n outdoor) $(split_n indoor) $(split_n desktop)" "5 2 2"

# --- R4D-Bench ---------------------------------------------------------------
check_suite "r4d-bench" r4d-bench fixtures/r4d-bench fixtures/r4d-bench/test.json
n=$(cut -f2 "$TMP/got.tsv" | sort -u | wc -l | tr -d ' ')
expect_eq "r4d-bench: all 9 tasks" "$n" 9
expect_eq "r4d-bench: int 0 answer is a truth (letter D)" \
    "$(item_field validation_3 4) $(item_field validation_3 5)" "0 D"
expect_eq "r4d-bench: answer not among the options has no letter" \
    "$(item_field validation_1290 5)" ""
expect_eq "r4d-bench: mixed int/str/None options" "$(item_field validation_960 5)" D
expect_eq "r4d-bench: float answer 1.0" "$(item_field 233 4) $(item_field 233 5)" "1.0 B"
expect_eq "r4d-bench: Sta (VG, DM, SR) / Dyn by task" "$(split_n Sta) $(split_n Dyn)" "4 10"
expect_eq "r4d-bench: by benchmark" "$(split_n stibench) $(split_n vlm4d)" "7 7"
expect_eq "r4d-bench: no som_image -> mc-nosom" "$(item_field validation_77 3)" mc-nosom

# --- MLLM4D-Bench ----------------------------------------------------------
check_suite "mllm4d-bench" mllm4d-bench fixtures/mllm4d-bench fixtures/mllm4d-bench/mllm4d_bench.json
for c in "Camera Absolute Distance" "Camera Relative Direction" "Object Absolute Distance" \
    "Object Relative Direction" "Object & Camera Absolute Distance" "Object & Camera Relative Direction"; do
    expect_eq "mllm4d-bench: 2 items in '$c'" "$(ncat "$c")" 2
done
expect_eq "mllm4d-bench: int answer, trailing-space answer" \
    "$(item_field mllm4d_bench/validation_2 5) $(item_field mllm4d_bench/validation_3 5)" "B A"

# --- VLM4D, the real public data (and MLLM4D-Bench's fallback to it) --------
if [ -d "$VLM4D/data" ]; then
    check_suite "vlm4d (shared data)" vlm4d "$VLM4D" "$VLM4D/data/real_mc.json" "$VLM4D/data/synthetic_mc.json"
    expect_eq "vlm4d: 1371 real + 445 synthetic" "$(split_n real) $(split_n synthetic)" "1371 445"
    expect_eq "vlm4d: splits exo 922, ego 449, directional 400, FP 45" \
        "$(split_n real/exo) $(split_n real/ego) $(split_n synthetic/directional) $(split_n synthetic/fp)" \
        "922 449 400 45"
    expect_eq "vlm4d: validation_633 accepts C and D" "$(item_field real_mc/validation_633 5)" CD
    expect_eq "vlm4d: int answer 1 is letter A" "$(item_field real_mc/validation_3 4) $(item_field real_mc/validation_3 5)" "1 A"
    check_suite "mllm4d-bench on the VLM4D files" mllm4d-bench "$VLM4D" "$VLM4D/data/real_mc.json" "$VLM4D/data/synthetic_mc.json"
else
    skip "vlm4d (shared data)" "no $VLM4D"
fi

# --- regressions ------------------------------------------------------------

# STI opensource_test.py json.loads a Candidates string: numbers stay ints.
mkdir -p "$TMP/sti-num"
printf '%s\n' '{"Video": "000001.mp4", "ID": 1, "time_start": 0, "time_end": 1.5, "Question": "How many turns?", "Candidates": "{\"A\": 0, \"B\": 1.50, \"C\": 2, \"D\": 1e2, \"E\": -3}", "Answer": "A", "Task": "Pose Estimation", "Source": "Omni6DPose"}' \
    >"$TMP/sti-num/qa.jsonl"
out=$("$STEVAL" show sti-bench --data "$TMP/sti-num" --item '000001.mp4#1' --protocol opensource --raw 2>&1)
expect_eq "sti: numbers in a JSON-string Candidates print as Python's str" "$out" "From 0 s to 1.5 s. How many turns?
(A) 0
(B) 1.5
(C) 2
(D) 100.0
(E) -3
Please output only the option letter!"

# --- bad input: exit 2, the error names the file and the line or item -------

# bad NAME WANT_REGEX CMD...: exit 2 and stderr matches
bad() {
    _name=$1 _re=$2
    shift 2
    _out=$("$@" 2>&1 >/dev/null)
    _rc=$?
    if [ "$_rc" != 2 ]; then
        _report 1 "$_name" "exit $_rc (want 2): $_out"
    else
        expect_match "$_name" "$_out" "$_re"
    fi
}

B=$TMP/bad
mkdir -p "$B"/json "$B"/jsonl "$B"/noq "$B"/noq2 "$B"/qtype "$B"/specs "$B"/cand "$B"/tsvq \
    "$B"/tsvn "$B"/pylist "$B"/noans "$B"/dup "$B"/empty "$B"/notarr

sed 's/"answer": "7.36m",/"answer": "7.36m"/' fixtures/r4d-bench/test.json >"$B/json/test.json"
bad "malformed JSON file: file and line" "'$B/json/test.json': line 34, column 5: invalid JSON" \
    "$STEVAL" show r4d-bench --data "$B/json"
bad "malformed JSON file: steval run fails too" "'$B/json/test.json': line 34" \
    "$STEVAL" run r4d-bench --model baseline:first --data "$B/json" --out "$TMP/runs"

awk 'NR == 7 { print substr($0, 1, 60); next } { print }' fixtures/vsi-bench/test.jsonl >"$B/jsonl/test.jsonl"
bad "JSONL with a broken line 7: file and line" "'$B/jsonl/test.jsonl': line 7, column [0-9]+: invalid JSON" \
    "$STEVAL" show vsi-bench --data "$B/jsonl"
bad "JSONL with a broken line 7: --item fails too" "'$B/jsonl/test.jsonl': line 7" \
    "$STEVAL" show vsi-bench --data "$B/jsonl" --item 0

sed '5s/"question": "[^"]*", //' fixtures/vsi-bench/test.jsonl >"$B/noq/test.jsonl"
bad "record without a question (JSONL): file and item" "'$B/noq/test.jsonl': item '160': no question" \
    "$STEVAL" show vsi-bench --data "$B/noq"
"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1])); del d[3]["question"]
json.dump(d, open(sys.argv[2], "w"), indent=1)' fixtures/mllm4d-bench/mllm4d_bench.json "$B/noq2/mllm4d_bench.json"
bad "record without a question (JSON): file and item" "'$B/noq2/mllm4d_bench.json': item 'mllm4d_bench/validation_4': no question" \
    "$STEVAL" show mllm4d-bench --data "$B/noq2"

sed '3s/object_abs_distance/object_height/' fixtures/vsi-bench/test.jsonl >"$B/qtype/test.jsonl"
bad "unknown question_type: file and item" "'$B/qtype/test.jsonl': item '57' matches no answer type" \
    "$STEVAL" show vsi-bench --data "$B/qtype"

bad "unknown protocol (show)" "suite 'vsi-bench' has no protocol 'nope'" \
    "$STEVAL" show vsi-bench --data fixtures/vsi-bench --protocol nope
bad "unknown protocol (show --item)" "suite 'vsi-bench' has no protocol 'nope'" \
    "$STEVAL" show vsi-bench --data fixtures/vsi-bench --item 0 --protocol nope
bad "unknown protocol (run)" "no protocol 'nope'" \
    "$STEVAL" run vsi-bench --model baseline:first --data fixtures/vsi-bench --protocol nope --out "$TMP/runs"

sed 's/"categories":/"catgories":/' suites/vsi-bench.json >"$B/specs/vsi-bench.json"
bad "spec with a typo'd top-level key: file and key" "$B/specs/vsi-bench.json'?: unknown key 'catgories'" \
    "$STEVAL" show "$B/specs/vsi-bench.json"
sed 's/"option_join"/"option_jion"/' suites/vsti-bench.json >"$B/specs/vsti-bench.json"
bad "spec with a typo'd protocol key: file and protocol" \
    "'$B/specs/vsti-bench.json': in protocol 'default'" \
    "$STEVAL" show "$B/specs/vsti-bench.json" --data fixtures/vsti-bench
expect_match "spec with a typo'd protocol key: the key" "$_out" "unknown key 'option_jion'"

sed '1s/"Candidates": {[^}]*}/"Candidates": "A: 4.52m, B: 7.36m"/' fixtures/sti-bench/qa.jsonl >"$B/cand/qa.jsonl"
bad "Candidates string that is not JSON: no options, file and item" \
    "'$B/cand/qa.jsonl': item '11356601648124485814_409_000_429_000_camera_1.mp4#1' is multiple-choice but has no options" \
    "$STEVAL" show sti-bench --data "$B/cand"

printf 'index\tquestion\ttime_start\ttime_end\toptions\tvideo\ttask_type\tanswer\n0\t"never closed\t0.0\t1.0\t[]\tx.mp4\tSpatial Relation\tA\n' \
    >"$B/tsvq/STIBench.tsv"
bad "TSV with an unterminated quote: file and line" "'$B/tsvq/STIBench.tsv': line 2: unterminated quote" \
    "$STEVAL" show sti-bench --data "$B/tsvq"
awk 'NR == 4 { sub(/\t0\.0\t/, "\t0.0\t\t") } { print }' fixtures/sti-bench-tsv/STIBench.tsv >"$B/tsvn/STIBench.tsv"
bad "TSV row with an extra cell: file and line" "'$B/tsvn/STIBench.tsv': line 4: 9 fields, the header has 8" \
    "$STEVAL" show sti-bench --data "$B/tsvn"
sed "2s/\['4.52m'/['4.52m/" fixtures/sti-bench-tsv/STIBench.tsv >"$B/pylist/STIBench.tsv"
bad "TSV options that are not a Python list: file and line" "'$B/pylist/STIBench.tsv': line 2: options in 'options' are not a Python list" \
    "$STEVAL" show sti-bench --data "$B/pylist"

"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1])); del d[3]["answer"]
json.dump(d, open(sys.argv[2], "w"), indent=1)' fixtures/mllm4d-bench/mllm4d_bench.json "$B/noans/mllm4d_bench.json"
bad "record without its answer field: file and item" "'$B/noans/mllm4d_bench.json': item 'mllm4d_bench/validation_4': no answer field 'answer'" \
    "$STEVAL" show mllm4d-bench --data "$B/noans"

"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1])); d[5]["id"] = 555
json.dump(d, open(sys.argv[2], "w"), indent=1)' fixtures/r4d-bench/test.json "$B/dup/test.json"
bad "duplicate item id: the id and the file" "item id '555' appears twice .*'$B/dup/test.json'" \
    "$STEVAL" show r4d-bench --data "$B/dup"

: >"$B/empty/test.jsonl"
bad "empty data file: the directory" "sources in '$B/empty' hold no items" \
    "$STEVAL" show vsi-bench --data "$B/empty"
echo '{"data": 1}' >"$B/notarr/test.json"
bad "JSON that is not an array of records: the file" "'$B/notarr/test.json': expected a JSON array of records" \
    "$STEVAL" show r4d-bench --data "$B/notarr"
bad "data directory without any source file" "none of the source files .* is in '$B'" \
    "$STEVAL" show r4d-bench --data "$B"
bad "unknown item" "suite 'vsi-bench' has no item 'nope'" \
    "$STEVAL" show vsi-bench --data fixtures/vsi-bench --item nope

finish
