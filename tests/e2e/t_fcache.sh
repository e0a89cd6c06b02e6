#!/bin/sh
# The frame cache: hits and misses, key sensitivity (plan, window, content,
# not the path), two processes racing on one entry, damaged entries,
# `steval cache stats|clear`, where the cache lives.
. "$(dirname "$0")/lib.sh"

CLIP="$SHARED/data/video/open-mmlab+mmaction2/tests/data/test.mp4"
export STEVAL_CACHE_DIR="$TMP/cache"
cp "$CLIP" "$TMP/a.mp4"

src() { # how `steval frames ARGS` got its frames: decoded | cache
    "$STEVAL" -v frames "$@" --out "$TMP/o" 2>&1 >/dev/null | sed -n 's/.*frames ([0-9]* images) \(decoded\|from the cache\).*/\1/p'
}
stat_of() { "$STEVAL" cache stats | sed -n "s/^$1: //p"; }

expect_eq "first extraction decodes" "$(src "$TMP/a.mp4" -n 4)" decoded
cp -r "$TMP/o" "$TMP/o1"
expect_eq "second one is a hit" "$(src "$TMP/a.mp4" -n 4)" "from the cache"
ok_if "a hit gives the same images" cmp "$TMP/o1/frame_000.jpg" "$TMP/o/frame_000.jpg"
strip() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d.pop("stats"); print(json.dumps(d, sort_keys=True))' "$1"; }
expect_eq "a hit gives the same frames.json" "$(strip "$TMP/o/frames.json")" "$(strip "$TMP/o1/frames.json")"

cp "$TMP/a.mp4" "$TMP/copy.mp4"
expect_eq "same bytes under another name: hit (content-addressed)" "$(src "$TMP/copy.mp4" -n 4)" "from the cache"
expect_eq "another count: miss" "$(src "$TMP/a.mp4" -n 5)" decoded
expect_eq "another sampler: miss" "$(src "$TMP/a.mp4" -n 4 --sampler uniform-time)" decoded
expect_eq "another size: miss" "$(src "$TMP/a.mp4" -n 4 --max-side 100)" decoded
expect_eq "another quality: miss" "$(src "$TMP/a.mp4" -n 4 --quality 80)" decoded
expect_eq "png: miss" "$(src "$TMP/a.mp4" -n 4 --format png)" decoded
expect_eq "png again: hit" "$(src "$TMP/a.mp4" -n 4 --format png)" "from the cache"
expect_eq "a window: miss" "$(src "$TMP/a.mp4" -n 4 --start 1 --end 2)" decoded
expect_eq "another window: miss" "$(src "$TMP/a.mp4" -n 4 --start 1 --end 3)" decoded
expect_eq "the same window: hit" "$(src "$TMP/a.mp4" -n 4 --start 1 --end 2)" "from the cache"
printf 'x' >>"$TMP/copy.mp4"
expect_eq "changed content (same path): miss" "$(src "$TMP/copy.mp4" -n 4)" decoded
expect_eq "video ids memoised per file version" "$(stat_of 'video ids')" 3
expect_eq "frame sets counted" "$(stat_of 'frame sets')" 9

# a damaged entry is dropped and made again
for img in $(find "$TMP/cache" -name frame_000.jpg); do printf 'garbage' >"$img"; done
out=$("$STEVAL" frames "$TMP/a.mp4" -n 4 --out "$TMP/o2" 2>&1)
expect_match "damaged entry: a warning" "$out" "frame cache: .* does not match its hash|frame cache: .*not an image"
ok_if "damaged entry: the frames are right again" cmp "$TMP/o1/frame_000.jpg" "$TMP/o2/frame_000.jpg"

# two processes racing for one entry: both succeed, one entry, no leftovers
"$STEVAL" cache clear >/dev/null
"$STEVAL" frames "$TMP/a.mp4" -n 6 --out "$TMP/r1" >/dev/null 2>"$TMP/r1.err" &
p1=$!
"$STEVAL" frames "$TMP/a.mp4" -n 6 --out "$TMP/r2" >/dev/null 2>"$TMP/r2.err" &
p2=$!
wait $p1; rc1=$?
wait $p2; rc2=$?
expect_eq "race: both succeed" "$rc1 $rc2" "0 0"
expect_eq "race: one entry" "$(stat_of 'frame sets')" 1
expect_eq "race: no unfinished entries" "$(stat_of 'unfinished entries')" ""
expect_eq "race: same frames" "$(strip "$TMP/r1/frames.json")" "$(strip "$TMP/r2/frames.json")"
expect_eq "race: the entry is used" "$(src "$TMP/a.mp4" -n 6)" "from the cache"

out=$("$STEVAL" cache stats)
expect_match "stats names the directory" "$out" "^cache: $TMP/cache"
expect_match "stats counts images" "$out" "images: 6"
out=$("$STEVAL" cache clear)
expect_match "clear says what it removed" "$out" "removed 1 frame set from $TMP/cache"
expect_eq "clear empties" "$(stat_of 'frame sets')" 0
expect_eq "after clear: miss" "$(src "$TMP/a.mp4" -n 6)" decoded
expect_eq "--no-cache neither reads nor writes" "$("$STEVAL" cache clear >/dev/null; src "$TMP/a.mp4" -n 6 --no-cache; stat_of 'frame sets')" "decoded
0"

out=$("$STEVAL" cache stats --cache-dir "$TMP/other")
expect_match "--cache-dir" "$out" "^cache: $TMP/other"
out=$(env -u STEVAL_CACHE_DIR XDG_CACHE_HOME="$TMP/xdg" "$STEVAL" cache stats)
expect_match "XDG_CACHE_HOME/steval" "$out" "^cache: $TMP/xdg/steval"
out=$(env -u STEVAL_CACHE_DIR -u XDG_CACHE_HOME HOME="$TMP/home" "$STEVAL" cache stats)
expect_match "~/.cache/steval" "$out" "^cache: $TMP/home/.cache/steval"
expect_rc "cache: unknown action" 2 "$STEVAL" cache frobnicate
expect_rc "cache: no action" 2 "$STEVAL" cache
finish
