#!/usr/bin/env bash
# Streaming with curl: the raw Server-Sent Events, as they arrive (-N: no buffering).
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

if [ -z "${CHAT_MODEL:-}" ]; then  # no CHAT_MODEL given: take the first id the server lists
  MODELS=$(call GET /v1/models)
  CHAT_MODEL=$(printf '%s' "$MODELS" | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"][0]["id"])')
fi

BODY="{\"model\": \"$CHAT_MODEL\", \"messages\": [{\"role\": \"user\", \"content\": \"Name three colours.\"}],
       \"temperature\": 0, \"max_tokens\": ${MAX_TOKENS:-32}, \"stream\": true,
       \"stream_options\": {\"include_usage\": true}}"   # one last chunk with the token counts
# The stream cannot go through call(): --fail-with-body makes an HTTP error (e.g. 404, unknown
# model) exit non-zero; curl's one line goes to stderr, the server's JSON reason to stdout.
curl -sS -N --fail-with-body "$ROOT/v1/chat/completions" "${AUTH[@]}" \
  -H 'Content-Type: application/json' --data-binary "$BODY"
