#!/usr/bin/env bash
# Completions with curl: the curl version of completions.py (prints the whole JSON answer).
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

BODY="{\"model\": \"$CHAT_MODEL\", \"prompt\": \"The capital of France is\", \"temperature\": 0, \"max_tokens\": ${MAX_TOKENS:-16}}"
show POST /v1/completions "$BODY"   # the continuation is choices[0].text
