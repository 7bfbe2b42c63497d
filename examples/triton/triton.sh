#!/usr/bin/env bash
# Triton (KServe v2) with curl: metadata, infer with typed tensors, generate (see triton.py).
set -euo pipefail
ROOT="${TRITON_URL:-http://127.0.0.1:8000}"; ROOT="${ROOT%/}"   # Triton's default port is 8000
CHAT_MODEL="${TRITON_MODEL:-smollm2}"                                 # the lab's Triton: smollm2, minilm

call() {  # call METHOD PATH [JSON]: print the body; on failure one line on stderr and exit 1
  local out code
  out=$(curl -sS -X "$1" "$ROOT$2" -H 'Content-Type: application/json' \
        ${3:+--data-binary "$3"} -w '\n%{http_code}' 2>&1) \
    || { echo "error: no answer from $ROOT (${out%%$'\n'*}): is Triton running?" >&2; exit 1; }
  code="${out##*$'\n'}"; out="${out%$'\n'*}"
  if [ "$code" -ge 400 ]; then
    echo "error: HTTP $code from $1 $2: $(printf '%s' "$out" | tr '\n' ' ' | cut -c1-300)" >&2; exit 1
  fi
  printf '%s\n' "$out"
}
show() {  # show METHOD PATH [JSON]: call, then pretty-print (python3, not jq)
  local body; body=$(call "$@"); printf '%s\n' "$body" | python3 -m json.tool --no-ensure-ascii
}

show GET /v2
show GET "/v2/models/$CHAT_MODEL"   # inputs/outputs: the names, datatypes and shapes infer expects
show POST "/v2/models/$CHAT_MODEL/infer" '{"inputs": [
  {"name": "prompt", "datatype": "BYTES", "shape": [1, 1], "data": ["The capital of France is"]},
  {"name": "max_tokens", "datatype": "INT32", "shape": [1, 1], "data": ['"${MAX_TOKENS:-16}"']}]}'
show POST "/v2/models/$CHAT_MODEL/generate" "{\"prompt\": \"The capital of France is\", \"max_tokens\": ${MAX_TOKENS:-16}}"
