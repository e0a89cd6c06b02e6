#!/bin/sh
# Video frames in requests: the protocol's frame plan extracted on the frame
# pool ahead of dispatch, shared by the items on one video, cached on disk,
# labelled with their times, recorded in every sample; video facts in prompts.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dispatch_lib.sh"

if ! command -v ffmpeg >/dev/null 2>&1; then
    skip "video frames" "no ffmpeg (make deps)"
    finish
    exit 0
fi
# a real 2-second, 10 fps clip replaces the fixture's placeholder bytes
ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc=size=96x64:rate=10:duration=2 \
    -c:v libx264 -pix_fmt yuv420p "$DATA/clip.mp4"
export STEVAL_CACHE_DIR=$TMP/cache

fake_start
srun --model "openai@$BASE/v1:m" --protocol frames --limit 6
expect_eq "frames: exit 0" "$RC" 0
expect_eq "frames: 4 frames, each after its label, then the text" \
    "$(R '[p["type"] if p["type"] != "text" else p["text"][:6] for p in D[0]["body"]["messages"][1]["content"]]')" \
    '["Frame ", "image_url", "Frame ", "image_url", "Frame ", "image_url", "Frame ", "image_url", "4 fram"]'
expect_eq "frames: labels carry the frame times (uniform over 20 frames: 0, 6, 12, 19)" \
    "$(R '[p["text"] for p in D[0]["body"]["messages"][1]["content"] if p["type"] == "text"][:4]')" \
    '["Frame 1 (t=0.00s):", "Frame 2 (t=0.60s):", "Frame 3 (t=1.20s):", "Frame 4 (t=1.90s):"]'
expect_eq "frames: JPEG" "$(R 'sorted(set(D[0]["mimes"]))')" '["image/jpeg"]'
expect_eq "frames: the prompt prints the video's facts" \
    "$(R 'D[0]["body"]["messages"][1]["content"][-1]["text"].splitlines()[0]')" \
    "4 frames of a 2.0 s video at 10 fps, sampled at 2.00 FPS."
expect_eq "frames: each sample records frame numbers, times and hashes" \
    "$(S '[[f["index"] for f in D[0]["frames"]], [f["pts"] for f in D[0]["frames"]]]')" '[[0, 6, 12, 19], [0.0, 0.6, 1.2, 1.9]]'
expect_eq "frames: the hashes recorded are those of the images sent" \
    "$(q "$REC" '[r["shas"] for r in sorted(D, key=lambda r: r["text"])][0]')" \
    "$(S '[f["sha256"] for f in sorted(D, key=lambda r: r["id"])[0]["frames"]]')"
expect_eq "frames: the frames stage is timed" "$(S 'all(r["latency"]["frames"] > 0 for r in D)')" true
expect_eq "frames: one video decoded once for six items" \
    "$(M '[D["frame_plan"][k] for k in ("sets", "decoded", "from_disk", "from_memory")]')" '[6, 1, 0, 5]'
expect_eq "frames: the plan is recorded" "$(M 'D["frame_plan"]["canonical"].startswith("{\"sampler\":\"uniform\",\"count\":4")')" true
# thumbnails for report.html: one small JPEG per distinct image, linked by the page
expect_eq "thumbnails: one RUN_DIR/frames/SHA.jpg per image sent" \
    "$(S 'sorted({f["sha256"] + ".jpg" for r in D for f in r["frames"]})')" \
    "$($PY -c 'import os, sys, json; print(json.dumps(sorted(os.listdir(sys.argv[1]))))' "$RUN/frames")"
expect_eq "thumbnails: JPEGs no larger than the frames (96x64 fits in 160)" \
    "$(ffprobe -v error -show_entries stream=codec_name,width,height -of csv=p=0 "$(ls "$RUN"/frames/*.jpg | head -n 1)")" \
    "mjpeg,96,64"
expect_eq "thumbnails: report.html shows each frame's thumbnail" \
    "$(grep -o '<img[^>]*src="frames/[0-9a-f]*\.jpg"' "$RUN/report.html" | wc -l | tr -d ' ')" 24
expect_eq "thumbnails: the run's status is final in its reports" \
    "$(grep -c '^| status | finished ' "$RUN/report.md")" 1
srun --model "openai@$BASE/v1:m" --protocol frames --limit 2
expect_eq "frames: a second run reads the disk cache" "$(M '[D["frame_plan"]["decoded"], D["frame_plan"]["from_disk"]]')" '[0, 1]'
expect_eq "thumbnails: made from a cached set too" "$(ls "$RUN"/frames | wc -l | tr -d ' ')" 4
srun --model "openai@$BASE/v1:m" --protocol frames --limit 2 --no-cache
expect_eq "frames: --no-cache decodes again" "$(M 'D["frame_plan"]["decoded"]')" 1
srun --model "openai@$BASE/v1:m" --protocol frames --limit 1 --no-thumbnails
expect_eq "--no-thumbnails: none written, the page shows frame numbers" \
    "$([ -e "$RUN/frames" ] && echo dir; grep -o 'class="frame"' "$RUN/report.html" | wc -l | tr -d ' ')" 4

# extra images (R4D's Set-of-Mark PNG) keep their place beside the frames:
# a protocol laid out images, frames, text sends the item's two images, then
# the labelled frames, then the text
$PY - "$SPEC" "$TMP/som.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["protocols"]["som"] = {"inherit": "frames", "description": "images, then frames, then text",
                         "layout": ["images", "frames", "text"]}
json.dump(d, open(sys.argv[2], "w"))
EOF
: >"$REC"
"$STEVAL" run "$TMP/som.json" --data "$DATA" --out "$TMP/runs" --no-progress --model "openai@$BASE/v1:m" \
    --protocol som --limit 1 >/dev/null 2>&1
expect_eq "extra images first, then the labelled frames, then the text" \
    "$(R '[p["type"] if p["type"] != "text" else p["text"][:6] for p in D[0]["body"]["messages"][1]["content"]]')" \
    '["image_url", "image_url", "Frame ", "image_url", "Frame ", "image_url", "Frame ", "image_url", "Frame ", "image_url", "4 fram"]'

# other dialects
: >"$REC"
srun --model "gemini@$BASE/v1beta:g" --protocol frames --limit 1
expect_eq "gemini: label, inlineData per frame" \
    "$(R '[("text" in p and p["text"][:7]) or p["inlineData"]["mimeType"] for p in D[0]["body"]["contents"][0]["parts"]][:4]')" \
    '["Frame 1", "image/jpeg", "Frame 2", "image/jpeg"]'
: >"$REC"
srun --model "anthropic@$BASE/v1:c" --protocol frames --limit 1
expect_eq "anthropic: label, image block per frame" \
    "$(R '[b["type"] for b in D[0]["body"]["messages"][0]["content"]][:4]')" '["text", "image", "text", "image"]'
: >"$REC"
srun --model "ollama@$BASE:llava" --protocol frames --limit 1
expect_eq "ollama: four images, the times listed before the prompt" \
    "$(R '[len(D[0]["body"]["messages"][1]["images"]), D[0]["body"]["messages"][1]["content"].splitlines()[0]]')" \
    '[4, "Frames at t=0.00s, 0.60s, 1.20s, 1.90s"]'
export ECHO_WORKER_LOG=$TMP/worker.jsonl STEVAL_WORKER_ENV="ECHO_WORKER_*"
srun --model "command:$PY $ROOT/tests/examples/echo_worker.py" --protocol frames --limit 1
expect_eq "command: frames as base64 with their position, number and time" \
    "$(q "$TMP/worker.jsonl" '[(i["type"], i["index"], i["data"] > 0, i["path"]) for i in D[0]["images"]]')" \
    '[["image", 0, true, null], ["image", 1, true, null], ["image", 2, true, null], ["image", 3, true, null]]'

# blind: no frames, the facts read from the container, the sampling rate from the plan
: >"$REC"
srun --model "openai@$BASE/v1:m" --protocol frames --limit 1 --blind
expect_eq "blind: no images" "$(R 'D[0]["images"]')" 0
expect_eq "blind: facts from the container, none sent" "$(R 'D[0]["text"].splitlines()[0]')" \
    "0 frames of a 2.0 s video at 10 fps, sampled at 2.00 FPS."
expect_eq "blind: no frames recorded" "$(S '"frames" in D[0]')" false

# a missing video and a broken one fail their items only
$PY - "$DATA" <<'EOF'
import json, sys
d = sys.argv[1]
rows = [json.loads(l) for l in open(d + "/items.jsonl")]
rows[1]["video"] = "nowhere.mp4"
rows[2]["video"] = "broken.mp4"
with open(d + "/items.jsonl", "w") as f:
    for r in rows:
        f.write(json.dumps(r) + "\n")
open(d + "/broken.mp4", "wb").write(b"\0\0\0\x18ftypisom" + b"garbage" * 100)
EOF
srun --model "openai@$BASE/v1:m" --protocol frames --limit 4
expect_eq "bad videos: exit 3 (two items failed)" "$RC" 3
expect_eq "bad videos: the other items answered" "$(S 'sorted((r["id"], r["status"]) for r in D)')" \
    '[["q000", "ok"], ["q001", "error"], ["q002", "error"], ["q003", "ok"]]'
expect_match "missing video: named" "$(S 'by_id(D)["q001"]["error"]')" "the video 'nowhere.mp4' is not found"
expect_match "broken video: the extraction's message" "$(S 'by_id(D)["q002"]["error"]')" "^frames: .*broken.mp4"
expect_eq "bad videos: no request made for them" "$(S '[by_id(D)[i].get("attempts", 0) for i in ("q001", "q002")]')" '[0, 0]'
finish
