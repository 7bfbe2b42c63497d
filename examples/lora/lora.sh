#!/usr/bin/env bash
# LoRA adapters with curl: list them, ask one by name; with LORA_PATH, load, ask and unload one.
# The server needs --enable-lora --lora-modules NAME=PATH, and VLLM_ALLOW_RUNTIME_LORA_UPDATING=true
# for the load and unload routes (without it vLLM answers a bare 404 Not Found).
set -euo pipefail
ROOT="${LORA_BASE_URL:-${OPENAI_BASE_URL:-http://127.0.0.1:8000/v1}}"; ROOT="${ROOT%/}"; ROOT="${ROOT%/v1}"
KEY="${LORA_API_KEY:-${OPENAI_API_KEY:-}}"
AUTH=(); if [ -n "$KEY" ]; then AUTH=(-H "Authorization: Bearer $KEY"); fi
LORA_NAME="${LORA_NAME:-runtime-adapter}"

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
ask() {  # ask LORA_MODEL: the reply's text (a failed call ends the script, in one line)
  local body
  body=$(call POST /v1/chat/completions "{\"model\": \"$1\", \"messages\": [{\"role\": \"user\", \"content\": \"What is a rainbow?\"}], \"max_tokens\": ${MAX_TOKENS:-24}, \"temperature\": 0}") || exit 1
  printf '%s' "$body" | python3 -c 'import json, sys; print(json.load(sys.stdin)["choices"][0]["message"]["content"])'
}

MODELS=$(call GET /v1/models)
printf '%s' "$MODELS" | python3 -c '
import json, sys
for m in json.load(sys.stdin)["data"]:
    if m.get("parent"):
        print("adapter " + m["id"] + "  parent=" + m["parent"])'
if [ -z "${LORA_MODEL:-}" ]; then  # no LORA_MODEL given: the first adapter listed
  LORA_MODEL=$(printf '%s' "$MODELS" | python3 -c '
import json, sys
print(next((m["id"] for m in json.load(sys.stdin)["data"] if m.get("parent")), ""))')
fi
if [ -z "$LORA_MODEL" ]; then
  echo "error: $ROOT serves no LoRA adapter: start vLLM with --enable-lora --lora-modules NAME=PATH" >&2; exit 1
fi
TEXT=$(ask "$LORA_MODEL")   # "model" picks the adapter; nothing else changes
echo "$LORA_MODEL -> $TEXT"
if [ -n "${LORA_PATH:-}" ]; then
  call POST /v1/load_lora_adapter "{\"lora_name\": \"$LORA_NAME\", \"lora_path\": \"$LORA_PATH\"}"
  TEXT=$(ask "$LORA_NAME")
  echo "$LORA_NAME -> $TEXT"
  call POST /v1/unload_lora_adapter "{\"lora_name\": \"$LORA_NAME\"}"
fi
