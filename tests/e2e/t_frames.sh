#!/bin/sh
# steval frames against independent truth: ffprobe's frames, numpy's
# linspace, OpenCV's counts and pixels (when installed), ffmpeg's own
# rotation; generated clips (VFR, raw H.264, streamed MKV, long GOP, 10-bit,
# 1080p, HEVC, VP9, AV1, MPEG-4 AVI); damaged inputs. The checks are in
# frames_check.py; this script turns its lines into TAP.
. "$(dirname "$0")/lib.sh"

PY=""
for p in /usr/bin/python3 python3; do
    if "$p" -c 'import numpy' >/dev/null 2>&1; then PY=$p; break; fi
done
if [ -z "$PY" ] || ! command -v ffprobe >/dev/null 2>&1; then
    skip "frames checks" "needs python3-numpy and ffmpeg"
    finish
    exit
fi

expect_rc "frames: no video is a usage error" 2 "$STEVAL" frames
expect_rc "frames: --count 0" 2 "$STEVAL" frames "$SHARED/data/video/open-mmlab+mmaction2/tests/data/test.mp4" --count 0
expect_rc "frames: unknown sampler" 2 "$STEVAL" frames x.mp4 --sampler random
out=$("$STEVAL" frames x.mp4 --plan '{"cuont": 3}' 2>&1)
expect_match "frames: --plan errors name the key" "$out" "--plan: frames: unknown key 'cuont'"
ok_if "frames --help" "$STEVAL" frames --help

"$PY" "$ROOT/tests/e2e/frames_check.py" "$STEVAL" "$SHARED" "$TMP" >"$TMP/check.out" 2>"$TMP/check.err"
rc=$?
while IFS="$(printf '\t')" read -r status name detail; do
    case "$status" in
    PASS) _report 0 "$name" ;;
    FAIL) _report 1 "$name" "$detail" ;;
    esac
done <"$TMP/check.out"
if [ $rc != 0 ]; then _report 1 "frames_check.py finished" "$(tail -n 20 "$TMP/check.err")"; fi
finish
