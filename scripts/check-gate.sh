#!/usr/bin/env bash
# Is the migration gate of DOMAIN approved? For the DNS switch and other scripts.
#   LIGBOX_URL=https://ligbox.example LIGBOX_TOKEN=lgbx_... scripts/check-gate.sh example.com
# The token (scope gate:read) comes from the environment only, never from the command line,
# so it does not show in `ps` or in shell history.
# Exit codes: 0 approved; 1 not approved (prints status, grade and reasons); 2 usage or connection error.
set -uo pipefail

usage() { echo "usage: LIGBOX_URL=... LIGBOX_TOKEN=... $0 DOMAIN" >&2; exit 2; }

[[ $# -eq 1 && -n "$1" && "$1" != -* ]] || usage
[[ -n "${LIGBOX_URL:-}" ]] || { echo "check-gate: LIGBOX_URL is not set" >&2; usage; }
[[ -n "${LIGBOX_TOKEN:-}" ]] || { echo "check-gate: LIGBOX_TOKEN is not set" >&2; usage; }
command -v curl >/dev/null || { echo "check-gate: curl is required" >&2; exit 2; }
command -v jq >/dev/null || { echo "check-gate: jq is required" >&2; exit 2; }

domain="$1"
body="$(mktemp)"
trap 'rm -f "$body"' EXIT

# The header goes through a file descriptor so the token never appears in curl's argument list.
status="$(curl -sS --max-time 30 -o "$body" -w '%{http_code}' -G \
    -H @<(printf 'Authorization: Bearer %s\n' "$LIGBOX_TOKEN") \
    --data-urlencode "domain=$domain" "${LIGBOX_URL%/}/api/migration/gate")" \
    || { echo "check-gate: cannot reach ${LIGBOX_URL}" >&2; exit 2; }

case "$status" in
    200) ;;
    401|403) echo "check-gate: the server refused the token (HTTP $status); it needs the gate:read scope" >&2; exit 2 ;;
    404) echo "NOT APPROVED: no migration job exists for $domain"; exit 1 ;;
    *) echo "check-gate: unexpected answer HTTP $status: $(head -c 500 "$body")" >&2; exit 2 ;;
esac

gate_status="$(jq -r '.status' "$body")" || { echo "check-gate: the answer is not JSON" >&2; exit 2; }
grade="$(jq -r '.grade' "$body")"
ratio="$(jq -r 'if .ratio == null then "unknown" else ((.ratio * 10000 | floor) / 100 | tostring) + "%" end' "$body")"

if [[ "$gate_status" == "approved" ]]; then
    echo "APPROVED: $domain (grade $grade, $ratio) by $(jq -r '.approvedBy' "$body") at $(jq -r '.approvedAt' "$body")"
    exit 0
fi

echo "NOT APPROVED: $domain is $gate_status (grade $grade, $ratio)"
jq -r '.reasons[] | "  - " + .' "$body"
exit 1
