#!/usr/bin/env bash
# Elastic expert parallelism: the curl version of elastic_ep.py (resizes only when NEW_DP_SIZE is set).
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

show POST /is_scaling_elastic_ep   # {"is_scaling_elastic_ep": false}; not under /v1, so no key is checked
if [ -n "${NEW_DP_SIZE:-}" ]; then
  show POST /scale_elastic_ep "{\"new_data_parallel_size\": $NEW_DP_SIZE, \"drain_timeout\": 120}"
else
  echo "set NEW_DP_SIZE=N to resize an elastic-EP deployment to N data-parallel engines"
fi
