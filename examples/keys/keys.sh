#!/usr/bin/env bash
# API keys with curl: does the server demand one, and is yours accepted? (see keys.py)
set -euo pipefail
ROOT="${OPENAI_BASE_URL:-http://127.0.0.1:8000/v1}"; ROOT="${ROOT%/}"; ROOT="${ROOT%/v1}"
AUTH=(); if [ -n "${OPENAI_API_KEY:-}" ]; then AUTH=(-H "Authorization: Bearer $OPENAI_API_KEY"); fi

call() {  # call METHOD PATH [JSON]: print the body; on failure one line on stderr and exit 1
  local out code
  out=$(curl -sS -X "$1" "$ROOT$2" "${AUTH[@]}" -H 'Content-Type: application/json' \
        ${3:+--data-binary "$3"} -w '\n%{http_code}' 2>&1) \
    || { echo "error: no answer from $ROOT (${out%%$'\n'*}): is the server running?" >&2; exit 1; }
  code="${out##*$'\n'}"; out="${out%$'\n'*}"
  if [ "$code" -ge 400 ]; then
    echo "error: HTTP $code from $1 $2: $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-300)" >&2; exit 1
  fi
  printf '%s\n' "$out"
}
show() {  # show METHOD PATH [JSON]: call, then pretty-print (python3, not jq; Chinese kept readable)
  local body; body=$(call "$@"); printf '%s\n' "$body" | python3 -m json.tool --no-ensure-ascii
}

BARE=$(curl -s -o /dev/null -w '%{http_code}' "$ROOT/v1/models" || true)   # no key on purpose
case "$BARE" in
  401) echo "without a key: HTTP 401 -> the server requires a key" ;;
  200) echo "without a key: HTTP 200 -> the server checks no key (any key is accepted)" ;;
  *) echo "error: no answer from $ROOT (HTTP $BARE): is the server running?" >&2; exit 1 ;;
esac
if [ "$BARE" = 401 ] && [ -z "${OPENAI_API_KEY:-}" ]; then
  echo "error: this server requires a key: set OPENAI_API_KEY" >&2; exit 1
elif [ "$BARE" = 401 ]; then
  call GET /v1/models >/dev/null   # sends -H "Authorization: Bearer $OPENAI_API_KEY"; 401 stops here
  echo "with OPENAI_API_KEY: HTTP 200 -> your key is accepted"
elif [ -n "${OPENAI_API_KEY:-}" ]; then
  echo "OPENAI_API_KEY is set: it is sent, and this server does not check it"
fi
