#!/usr/bin/env bash
# Speech to text with curl: the curl version of transcribe.py (a multipart form: -F, not JSON).
# AUDIO_FILE=path/to/speech.wav; without it, one second of silence is made here (python3's wave).
set -euo pipefail
ROOT="${AUDIO_BASE_URL:-${OPENAI_BASE_URL:-http://127.0.0.1:8000/v1}}"; ROOT="${ROOT%/}"; ROOT="${ROOT%/v1}"
KEY="${AUDIO_API_KEY:-${OPENAI_API_KEY:-}}"
AUTH=(); if [ -n "$KEY" ]; then AUTH=(-H "Authorization: Bearer $KEY"); fi

fail() { echo "error: $*" >&2; exit 1; }
FILE="${AUDIO_FILE:-}"
if [ -z "$FILE" ]; then
  FILE=$(mktemp --suffix=.wav); trap 'rm -f "$FILE"' EXIT
  python3 -c 'import sys, wave; w = wave.open(sys.argv[1], "wb"); w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000); w.writeframes(b"\0\0" * 16000); w.close()' "$FILE"
fi
[ -f "$FILE" ] || fail "AUDIO_FILE=$FILE: no such file"

if [ -z "${AUDIO_MODEL:-}" ]; then  # no AUDIO_MODEL given: take the first id the server lists
  out=$(curl -s "$ROOT/v1/models" "${AUTH[@]}" -w '\n%{http_code}') || fail "no answer from $ROOT: is the server running?"
  code="${out##*$'\n'}"; out="${out%$'\n'*}"
  [ "$code" -lt 400 ] || fail "HTTP $code from GET /v1/models: $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-300)"
  AUDIO_MODEL=$(printf '%s' "$out" | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"][0]["id"])')
fi

for route in /v1/audio/transcriptions /v1/audio/translations; do
  out=$(curl -sS "$ROOT$route" "${AUTH[@]}" -F "model=$AUDIO_MODEL" -F "file=@$FILE" -F "temperature=0" \
        -w '\n%{http_code}' 2>&1) || fail "no answer from $ROOT (${out%%$'\n'*}): is the server running?"
  code="${out##*$'\n'}"; out="${out%$'\n'*}"
  [ "$code" -lt 400 ] || fail "HTTP $code from POST $route: $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-300)"
  printf '%s: %s\n' "$route" "$out"
done
