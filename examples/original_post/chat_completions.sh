#!/usr/bin/env bash
# The original post's chat_completions.sh (the blog post's section "A2"), adapted to this project's variables
# (OPENAI_BASE_URL, OPENAI_API_KEY, CHAT_MODEL, MAX_TOKENS) and to fail in one line: examples/original_post/README.md.
set -euo pipefail

# Original: HOST and PORT. Here: the project's OPENAI_BASE_URL (with or without /v1) and OPENAI_API_KEY.
BASE="${OPENAI_BASE_URL:-http://127.0.0.1:8000/v1}"; BASE="${BASE%/}"; BASE="${BASE%/v1}"
AUTH=(); if [ -n "${OPENAI_API_KEY:-}" ]; then AUTH=(-H "Authorization: Bearer $OPENAI_API_KEY"); fi

fetch() {  # fetch PATH [JSON]: original: curl -s (silent even on errors). Here: one line on stderr, exit 1
  local out code
  out=$(curl -sS "$BASE$1" "${AUTH[@]}" -H "Content-Type: application/json" ${2:+-d "$2"} -w '\n%{http_code}' 2>&1) \
    || { echo "error: no answer from $BASE (${out%%$'\n'*}): is the server running?" >&2; exit 1; }
  code="${out##*$'\n'}"; out="${out%$'\n'*}"
  [ "$code" -lt 400 ] || { echo "error: HTTP $code from $1: $(printf '%s' "$out" | tr '\n' ' ')" >&2; exit 1; }
  printf '%s\n' "$out"
}

# Original: MODEL defaulted to Qwen2-7B-Instruct. Here: the first model the server lists.
if [ -z "${CHAT_MODEL:-}" ]; then
  MODELS=$(fetch /v1/models)
  CHAT_MODEL=$(printf '%s' "$MODELS" | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"][0]["id"])')
fi

RESP=$(fetch /v1/chat/completions "{
    \"model\": \"${CHAT_MODEL}\",
    \"messages\": [
      {\"role\": \"system\", \"content\": \"你是一个有帮助的助手。\"},
      {\"role\": \"user\", \"content\": \"用一句话解释 vLLM 的优势。\"}
    ],
    \"temperature\": 0.7,
    \"max_tokens\": ${MAX_TOKENS:-200}
  }")
printf '%s\n' "$RESP" | python3 -m json.tool --no-ensure-ascii   # the original post: | python3 -m json.tool
