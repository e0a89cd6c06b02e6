#!/bin/sh
# The FFmpeg plugin (harness/frames/avplugin.h): the binary is not linked
# against libav*, commands that need no frames never load it, frames come
# through it unchanged, and a missing or wrong plugin is a clear error only
# when frames are wanted.
. "$(dirname "$0")/lib.sh"

CLIP="$SHARED/data/video/open-mmlab+mmaction2/tests/data/test.mp4"
PLUGIN=$(dirname "$STEVAL")/libsteval-av.so
AVRE='lib(avformat|avcodec|avutil|swscale|swresample|avfilter|avdevice)\.so'

expect_file "the plugin is built next to the binary" "$PLUGIN"
if command -v readelf >/dev/null 2>&1; then
    needed=$(readelf -d "$STEVAL" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
    expect_match "the binary needs libc" "$needed" '^libc\.so'
    if printf '%s\n' "$needed" | grep -Eq "$AVRE"; then
        _report 1 "the binary is not linked against libav*" "$needed"
    else
        _report 0 "the binary is not linked against libav*"
    fi
    expect_match "the plugin is" "$(readelf -d "$PLUGIN")" "NEEDED.*libavformat"
    expect_eq "the plugin exports its entry point only" \
        "$(readelf --dyn-syms -W "$PLUGIN" | awk '$5 == "GLOBAL" && $7 != "UND" { print $8 }')" \
        steval_av_plugin
else
    skip "readelf checks" "no readelf"
fi
if ldd "$STEVAL" | grep -Eq "$AVRE"; then
    _report 1 "nor through another library (ldd)" "$(ldd "$STEVAL")"
else
    _report 0 "nor through another library (ldd)"
fi

# nothing but frames loads it: --version, list, score with a plugin that does not exist
export STEVAL_AV_PLUGIN="$TMP/nowhere/libsteval-av.so"
out=$("$STEVAL" --version 2>&1); rc=$?
expect_eq "--version needs no plugin" "$rc" 0
expect_match "--version still names the FFmpeg it was built with" "$out" "libavformat [0-9]+\.[0-9]+\.[0-9]+"
ok_if "list suites needs no plugin" "$STEVAL" list suites
V=$SHARED/data/vlm4d
COT=$V/predictions/real_mc_cot/Qwen2.5-VL-7B-Instruct_1fps.json
if [ -f "$COT" ]; then
    ok_if "score needs no plugin" "$STEVAL" score --suite vlm4d --data "$V/data" --verdicts --out "$TMP/s" "$COT"
    unset STEVAL_AV_PLUGIN
    loaded=$(LD_DEBUG=files "$STEVAL" score --suite vlm4d --data "$V/data" --no-report --out "$TMP/s2" "$COT" 2>&1 |
             grep -E "file=.*($AVRE|libsteval-av)" | head -n 3)
    expect_eq "score loads neither the plugin nor FFmpeg (LD_DEBUG)" "$loaded" ""
else
    skip "score needs no plugin" "no $COT"
fi
unset STEVAL_AV_PLUGIN

if [ ! -f "$CLIP" ]; then
    skip "frames through the plugin" "no $CLIP"
    finish
    exit 0
fi
export STEVAL_CACHE_DIR="$TMP/cache"
ok_if "frames through the plugin" "$STEVAL" frames "$CLIP" -n 4 --out "$TMP/o1"
expect_match "the log names the plugin loaded" \
    "$("$STEVAL" -v -v frames "$CLIP" -n 3 --no-cache --out "$TMP/o0" 2>&1)" "FFmpeg plugin .*libsteval-av\.so"

# a binary alone, without its plugin: the message names every path tried
mkdir -p "$TMP/bin"
cp "$STEVAL" "$TMP/bin/steval"
out=$("$TMP/bin/steval" frames "$CLIP" -n 4 --no-cache --out "$TMP/o2" 2>&1); rc=$?
expect_eq "frames without the plugin fail (bad input)" "$rc" 2
expect_match "the error says FFmpeg is in a plugin" "$out" "video frames need FFmpeg, in the plugin libsteval-av\.so"
expect_match "it names the file next to the binary" "$out" "$TMP/bin/libsteval-av\.so \(no such file\)"
expect_match "and the installed location" "$out" "/lib/steval/libsteval-av\.so"
expect_match "and how to point at it" "$out" "set STEVAL_AV_PLUGIN"
expect_match "and the video" "$out" "test\.mp4"
ok_if "--version still works there" "$TMP/bin/steval" --version

# STEVAL_AV_PLUGIN: the plugin anywhere; only that path is tried
cp "$PLUGIN" "$TMP/elsewhere.so"
STEVAL_AV_PLUGIN="$TMP/elsewhere.so" ok_if "STEVAL_AV_PLUGIN finds it elsewhere" \
    "$TMP/bin/steval" frames "$CLIP" -n 4 --no-cache --out "$TMP/o3"
for f in $(cd "$TMP/o1" && ls); do
    case $f in frames.json) continue ;; esac
    ok_if "the same bytes either way: $f" cmp "$TMP/o1/$f" "$TMP/o3/$f"
done
out=$(STEVAL_AV_PLUGIN="$TMP/none.so" "$STEVAL" frames "$CLIP" -n 4 --no-cache --out "$TMP/o4" 2>&1)
expect_match "a wrong STEVAL_AV_PLUGIN is named" "$out" "$TMP/none\.so \(no such file\) \[from STEVAL_AV_PLUGIN\]"
case $out in
    *"$PLUGIN"*) _report 1 "and nothing else is tried" "$out" ;;
    *) _report 0 "and nothing else is tried" ;;
esac
other=$(ldd "$STEVAL" | awk '/libz\.so/ { print $3 }')
if [ -n "$other" ]; then
    out=$(STEVAL_AV_PLUGIN="$other" "$STEVAL" frames "$CLIP" -n 4 --no-cache --out "$TMP/o5" 2>&1); rc=$?
    expect_eq "another shared object is refused" "$rc" 2
    expect_match "as not a steval plugin" "$out" "not a steval FFmpeg plugin"
fi
# a plugin from another build (its build string changed in a copy) is refused
build=$("$STEVAL" --version | sed -n '1s/^steval \([^ ]*\) (\(.*\))$/\1 \2/p')
if [ -n "$build" ] && python3 - "$PLUGIN" "$TMP/stale.so" "$build" <<'PY'
import sys
src, dst, build = sys.argv[1], sys.argv[2], sys.argv[3].encode()
b = open(src, "rb").read()
if b.count(build + b"\0") != 1:
    sys.exit(1)
other = build[:-1] + (b"0" if build[-1:] != b"0" else b"1")
open(dst, "wb").write(b.replace(build + b"\0", other + b"\0"))
PY
then
    out=$(STEVAL_AV_PLUGIN="$TMP/stale.so" "$STEVAL" frames "$CLIP" -n 4 --no-cache --out "$TMP/o7" 2>&1); rc=$?
    expect_eq "a plugin of another build is refused" "$rc" 2
    expect_match "naming both builds" "$out" "stale\.so \(built from steval .*, this binary is $build\)"
else
    skip "a plugin of another build is refused" "no build string '$build' in the plugin"
fi
printf 'not an ELF file\n' >"$TMP/junk.so"
out=$(STEVAL_AV_PLUGIN="$TMP/junk.so" "$STEVAL" frames "$CLIP" -n 4 --no-cache --out "$TMP/o6" 2>&1)
expect_match "a file dlopen cannot load: its reason" "$out" "$TMP/junk\.so \(.*(invalid ELF|too short|file too short).*\)"

# libcurl too is loaded on first use (lib/curl_lazy.c): not linked, not
# needed by commands that send nothing, loaded by those that do
if command -v readelf >/dev/null 2>&1; then
    if printf '%s\n' "$needed" | grep -q 'libcurl'; then
        _report 1 "the binary is not linked against libcurl" "$needed"
    else
        _report 0 "the binary is not linked against libcurl"
    fi
fi
export STEVAL_LIBCURL="$TMP/nowhere/libcurl.so.4"
ok_if "list suites needs no libcurl" "$STEVAL" list suites
rm -rf "$TMP/nc"
ok_if "score needs no libcurl" "$STEVAL" score --suite vlm4d --protocol cot --data "$V/data" \
    --no-report --out "$TMP/nc" "$V/predictions/real_mc_cot/Qwen2.5-VL-7B-Instruct_1fps.json"
out=$("$STEVAL" --version 2>&1); rc=$?
expect_eq "--version without libcurl fails" "$rc" 1
expect_match "naming the file and the reason" "$out" "cannot load libcurl \($TMP/nowhere/libcurl\.so\.4\): .*No such file"
unset STEVAL_LIBCURL
expect_match "--version loads libcurl when it needs it" "$("$STEVAL" --version 2>&1)" "^libcurl [0-9.]+"
finish
