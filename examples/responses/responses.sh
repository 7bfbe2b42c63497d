#!/usr/bin/env bash
# Responses API with curl: create a stored response, then fetch it by id (see responses.py).
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

BODY="{\"model\": \"$CHAT_MODEL\", \"input\": \"Name three colours.\", \"temperature\": 0,
       \"max_output_tokens\": ${MAX_TOKENS:-32}, \"store\": true}"
RESP=$(call POST /v1/responses "$BODY")
printf '%s\n' "$RESP" | python3 -m json.tool --no-ensure-ascii    # the text: output[].content[].text
ID=$(printf '%s' "$RESP" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
show GET "/v1/responses/$ID"   # 404 unless the server keeps responses (VLLM_ENABLE_RESPONSES_API_STORE=1)
