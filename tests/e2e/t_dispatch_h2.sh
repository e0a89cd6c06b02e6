#!/bin/sh
# HTTP/2 over TLS: concurrent requests share one connection (PIPEWAIT), with
# nghttpd (nghttp2-server) serving a canned Chat Completions answer.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dispatch_lib.sh"

if ! command -v nghttpd >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1; then
    skip "HTTP/2 connection sharing" "nghttpd or openssl missing (make deps)"
    finish
    exit 0
fi
mkdir -p "$TMP/www/v1/chat"
printf '{"choices":[{"message":{"content":"B"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":1}}' \
    >"$TMP/www/v1/chat/completions"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1
H2PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
nghttpd -a 127.0.0.1 -d "$TMP/www" "$H2PORT" "$TMP/key.pem" "$TMP/cert.pem" >"$TMP/nghttpd.log" 2>&1 &
NGPID=$!
trap 'kill $NGPID 2>/dev/null; fake_stop; rm -rf "$TMP"' EXIT
i=0
while [ $i -lt 100 ] && ! curl -s -o /dev/null --cacert "$TMP/cert.pem" "https://127.0.0.1:$H2PORT/"; do
    sleep 0.05; i=$((i + 1))
done
STEVAL_CA_BUNDLE=$TMP/cert.pem srun --model "openai@https://127.0.0.1:$H2PORT/v1:m" --concurrency 8
expect_eq "h2: exit 0" "$RC" 0
expect_eq "h2: every item answered" "$(S '[len(D), sorted(set(r["response"] for r in D))]')" '[12, ["B"]]'
expect_eq "h2: 12 requests, 8 at a time, over one connection" "$(M '[D["dispatch"]["requests"], D["dispatch"]["connections"]]')" '[12, 1]'
finish
