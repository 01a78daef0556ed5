#!/usr/bin/env bash
# End-to-end check of one IMAP migration (T020), on this machine only:
#   - starts two throw-away Dovecot servers (source and destination) and seeds folders on the source,
#   - starts the console headless on a temp data directory with a one-off bootstrap API token,
#   - through the API: creates a job, adds the mailbox, runs preflight, initial, (new mail), delta, final,
#   - compares per-folder message counts on both servers (doveadm mailbox status) and checks the gate,
#   - prints PASS or FAIL with the figures and cleans everything up.
#
#   scripts/verify-migration.sh                  # needs root (Dovecot), dovecot/doveadm, jq, curl, dotnet
#   VERIFY_BREAK=wrongpass scripts/verify-migration.sh   # wrong destination password: must FAIL at preflight
#   VERIFY_BREAK=lose scripts/verify-migration.sh        # a message deleted on the destination after the final: must FAIL
#
# Settings: LIGBOX_CONSOLE_DLL (default Ligbox.Console/bin/Release/net10.0/Ligbox.Console.dll, built if missing),
# VERIFY_KEEP=1 keeps the temp directory, VERIFY_TIMEOUT (seconds per run, default 300).
# Exit codes: 0 PASS; 1 FAIL; 2 missing tools or a set-up error.
# The API token lives in a 0600 file and the environment of the console only; it never appears in argv.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BREAK="${VERIFY_BREAK:-}"
RUN_TIMEOUT="${VERIFY_TIMEOUT:-300}"
DOVECOT=/usr/sbin/dovecot
DOVEADM=/usr/bin/doveadm

say() { printf '%s\n' "$*"; }
die() { printf 'verify-migration: %s\n' "$*" >&2; exit 2; }

case "$BREAK" in
    ""|wrongpass|lose) ;;
    *) die "unknown VERIFY_BREAK=$BREAK (use wrongpass or lose)" ;;
esac

# ---- what is needed ---------------------------------------------------------------------------
missing=()
[[ -x "$DOVECOT" ]] || missing+=("dovecot ($DOVECOT, Debian packages dovecot-imapd dovecot-core)")
[[ -x "$DOVEADM" ]] || missing+=("doveadm ($DOVEADM, Debian package dovecot-core)")
command -v jq >/dev/null || missing+=("jq")
command -v curl >/dev/null || missing+=("curl")
command -v openssl >/dev/null || missing+=("openssl")
command -v dotnet >/dev/null || missing+=("dotnet (the .NET 10 SDK)")
if ((${#missing[@]} > 0)); then
    printf 'verify-migration: missing:\n' >&2
    printf '  - %s\n' "${missing[@]}" >&2
    printf 'Install the test dependencies with: scripts/install-test-deps.sh (as root)\n' >&2
    exit 2
fi
[[ "$(id -u)" == 0 ]] || die "must run as root: Dovecot switches its mail processes to nobody:nogroup"

DLL="${LIGBOX_CONSOLE_DLL:-$ROOT/Ligbox.Console/bin/Release/net10.0/Ligbox.Console.dll}"
if [[ ! -f "$DLL" ]]; then
    say "Building the console (no $DLL yet)..."
    dotnet build "$ROOT/Ligbox.Console" -c Release -nologo -v q >/dev/null || die "the console does not build: dotnet build Ligbox.Console -c Release"
    [[ -f "$DLL" ]] || die "no console at $DLL after the build; set LIGBOX_CONSOLE_DLL"
fi

# ---- temp space and clean-up ------------------------------------------------------------------
# Short path under /tmp: Dovecot's unix sockets are limited to ~100 characters.
WORK="$(mktemp -d /tmp/lv-XXXXXX)" || die "cannot create a temp directory"
chmod 755 "$WORK"
CONSOLE_PID=""
cleanup() {
    if [[ -n "$CONSOLE_PID" ]] && kill -0 "$CONSOLE_PID" 2>/dev/null; then
        kill "$CONSOLE_PID" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$CONSOLE_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$CONSOLE_PID" 2>/dev/null
    fi
    local pids=() pid
    for pidfile in "$WORK"/src/run/master.pid "$WORK"/dst/run/master.pid; do
        [[ -f "$pidfile" ]] && pids+=("$(cat "$pidfile")")
    done
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    done
    if [[ "${VERIFY_KEEP:-}" == 1 ]]; then
        say "Kept $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 2' INT TERM

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Below the kernel's ephemeral range (32768+), where outgoing connections would make a bind fail.
free_port() {
    local p
    for _ in $(seq 100); do
        p=$((20000 + RANDOM % 12000))
        port_in_use "$p" || { echo "$p"; return 0; }
    done
    return 1
}

# Waits for the IMAP greeting ("* OK"), not just an open port: a login made before auth is up is dropped.
wait_greeting() {
    local port="$1" line
    for _ in $(seq 150); do
        # Braces: a bare `exec ... 2>/dev/null` would silence the script's stderr for good.
        if { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
            IFS= read -r -t 2 line <&3 || line=""
            exec 3<&- 3>&-
            [[ "$line" == "* OK"* ]] && return 0
        fi
        sleep 0.1
    done
    return 1
}

# start_dovecot NAME: own config, passwd-file passdb (one file per user), static userdb, plain IMAP on a
# free port (tried again on another port if someone takes it first); sets PORT_<NAME>.
start_dovecot() {
    local name="$1" attempt
    for attempt in 1 2 3; do
        try_dovecot "$name" "$(free_port)" && return 0
        ((attempt < 3)) && sleep 0.2
    done
    die "dovecot ($name) did not start: $(tail -5 "$WORK/$name/dovecot.log" 2>/dev/null)"
}

try_dovecot() {
    local name="$1" port="$2" dir="$WORK/$1"
    mkdir -p "$dir/run" "$dir/state" "$dir/mail" "$dir/users"
    chown nobody:nogroup "$dir/mail"
    cat >"$dir/dovecot.conf" <<EOF
protocols = imap
listen = 127.0.0.1
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_failure_delay = 0
auth_mechanisms = plain login
mail_fsync = never
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users/%u
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$dir/mail/%u
}
mail_location = maildir:$dir/mail/%u:LAYOUT=fs:INBOX=$dir/mail/%u/INBOX
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
EOF
    "$DOVECOT" -c "$dir/dovecot.conf" 2>>"$dir/start.log" || return 1
    if ! wait_greeting "$port"; then
        [[ -f "$dir/run/master.pid" ]] && kill "$(cat "$dir/run/master.pid")" 2>/dev/null
        return 1
    fi
    printf -v "PORT_${name^^}" '%s' "$port"
}

add_user() { # add_user NAME USER PASSWORD
    local file="$WORK/$1/users/$2"
    printf '%s:{PLAIN}%s\n' "$2" "$3" >"$file.new" && chmod 644 "$file.new" && mv "$file.new" "$file"
}

doveadm_on() { local name="$1"; shift; "$DOVEADM" -c "$WORK/$name/dovecot.conf" "$@"; }

# seed NAME USER FOLDER COUNT TAG: COUNT small messages through `doveadm save` (the folder is created if missing).
seed() {
    local name="$1" user="$2" folder="$3" count="$4" tag="$5" i
    if [[ "$folder" != INBOX ]]; then
        doveadm_on "$name" mailbox create -u "$user" "$folder" 2>/dev/null || true
    fi
    for ((i = 1; i <= count; i++)); do
        printf 'From: Verify <verify@source.example>\r\nTo: %s\r\nSubject: %s %s %d\r\nMessage-ID: <%s-%s-%d-%s@verify.example>\r\nDate: %s\r\n\r\nBody of %s message %d in %s.\r\n' \
            "$user" "$tag" "$folder" "$i" "$tag" "${folder//\//-}" "$i" "$RUNTAG" "$(date -R)" "$tag" "$i" "$folder" |
            doveadm_on "$name" save -u "$user" -m "$folder" || die "doveadm save into $name:$folder failed"
    done
}

count_messages() { # count_messages NAME USER FOLDER -> number (0 when the folder does not exist)
    local out
    out="$(doveadm_on "$1" mailbox status -u "$2" messages "$3" 2>/dev/null)" || { echo 0; return; }
    # "messages=N", or "FOLDER messages=N" depending on doveadm's formatter.
    [[ "$out" =~ messages=([0-9]+) ]] && echo "${BASH_REMATCH[1]}" || echo 0
}

# ---- the two servers --------------------------------------------------------------------------
RUNTAG="$(date +%s)-$$"
start_dovecot src
start_dovecot dst
SRC_PORT="$PORT_SRC"
DST_PORT="$PORT_DST"

USER_LOGIN="ana@verify.example"
SRC_PASS="src-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
DST_PASS="dst-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
add_user src "$USER_LOGIN" "$SRC_PASS"
add_user dst "$USER_LOGIN" "$DST_PASS"
GIVEN_DST_PASS="$DST_PASS"
[[ "$BREAK" == wrongpass ]] && GIVEN_DST_PASS="not-the-password"

FOLDERS=(INBOX Work Work/Reports Archive)
seed src "$USER_LOGIN" INBOX 12 first
seed src "$USER_LOGIN" Work 5 first
seed src "$USER_LOGIN" Work/Reports 3 first
seed src "$USER_LOGIN" Archive 4 first
say "Source and destination Dovecot on 127.0.0.1:$SRC_PORT and 127.0.0.1:$DST_PORT; seeded ${FOLDERS[*]}."

# ---- the console ------------------------------------------------------------------------------
TOKEN="lgbx_verify$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
AUTH="$WORK/auth.header"
(umask 077 && printf 'Authorization: Bearer %s\n' "$TOKEN" >"$AUTH")
APP_PORT="$(free_port)" || die "no free port"
URL="http://127.0.0.1:$APP_PORT"
mkdir -p "$WORK/data" "$WORK/keyring"
# Production needs a certificate for the Data Protection key ring, outside the data directory (README).
openssl req -x509 -newkey rsa:3072 -nodes -days 2 -subj "/CN=ligbox-verify" \
    -keyout "$WORK/keyring/dp.key" -out "$WORK/keyring/dp.crt" 2>/dev/null \
    && openssl pkcs12 -export -inkey "$WORK/keyring/dp.key" -in "$WORK/keyring/dp.crt" -out "$WORK/keyring/dp.pfx" -passout pass: \
    || die "openssl could not create the key-ring certificate"
# Everything through the environment: the token and the admin password never appear in argv.
(
    cd "$(dirname "$DLL")" || exit 2
    export ASPNETCORE_URLS="$URL" ASPNETCORE_ENVIRONMENT=Production \
        Ligbox__DataDir="$WORK/data" Ligbox__Bootstrap__ApiToken="$TOKEN" \
        Ligbox__DataProtection__CertificatePath="$WORK/keyring/dp.pfx" \
        Ligbox__Admin__Email="admin@verify.example" Ligbox__Admin__Password="Verify-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')!" \
        Logging__LogLevel__Default=Warning
    exec dotnet "$DLL"
) >"$WORK/console.log" 2>&1 &
CONSOLE_PID=$!

api() { # api METHOD PATH [JSON-BODY-FILE] -> body on stdout; returns 1 on a non-2xx answer (problem on stderr)
    local method="$1" path="$2" body="${3:-}" out="$WORK/answer.json" code
    local args=(-sS --max-time 30 -o "$out" -w '%{http_code}' -X "$method" -H @"$AUTH")
    [[ -n "$body" ]] && args+=(-H 'Content-Type: application/json' --data-binary @"$body")
    code="$(curl "${args[@]}" "$URL$path")" || { echo "cannot reach the console at $URL" >&2; return 1; }
    if [[ "$code" != 2* ]]; then
        echo "$method $path: HTTP $code $(jq -r '[.title, .detail, (.errors // {} | tostring)] | map(select(. != null)) | join(" ")' "$out" 2>/dev/null || head -c 300 "$out")" >&2
        return 1
    fi
    cat "$out"
}

for i in $(seq 120); do
    kill -0 "$CONSOLE_PID" 2>/dev/null || die "the console stopped at start: $(tail -20 "$WORK/console.log")"
    [[ "$(curl -s -o /dev/null -w '%{http_code}' -H @"$AUTH" "$URL/api/migration/jobs?pageSize=1")" == 200 ]] && break
    ((i == 120)) && die "the console did not answer on $URL within 60 s: $(tail -20 "$WORK/console.log")"
    sleep 0.5
done
say "Console up on $URL (data directory $WORK/data)."

FAILURES=()
declare -A DURATION STATUS

# run_pass LABEL PATH BODY: starts a run, waits for its end, records status and duration.
run_pass() {
    local label="$1" path="$2" json="$3" file="$WORK/body.json" run_id deadline run status
    printf '%s' "$json" >"$file"
    run_id="$(api POST "$path" "$file" | jq -r '.id')" || { FAILURES+=("$label could not start"); STATUS[$label]="not started"; return 1; }
    deadline=$((SECONDS + RUN_TIMEOUT))
    while :; do
        run="$(api GET "/api/migration/runs/$run_id")" || { FAILURES+=("$label: cannot read run $run_id"); return 1; }
        status="$(jq -r '.status' <<<"$run")"
        [[ "$status" == Queued || "$status" == Running ]] || break
        ((SECONDS > deadline)) && { FAILURES+=("$label still $status after ${RUN_TIMEOUT}s"); STATUS[$label]="$status"; return 1; }
        sleep 0.3
    done
    STATUS[$label]="$status"
    DURATION[$label]="$(jq -r '.durationSeconds // 0 | . * 10 | round / 10' <<<"$run")"
    say "  $label: $status in ${DURATION[$label]} s$(jq -r 'if .message then " — " + .message else "" end' <<<"$run")"
    if [[ "$status" != Succeeded ]]; then
        FAILURES+=("$label $status: $(jq -r '[.message, (.mailboxes[]? | .message)] | map(select(. != null)) | unique | join("; ")' <<<"$run")")
        return 1
    fi
}

# ---- the migration through the API ------------------------------------------------------------
jq -n --arg d "verify-$RUNTAG.example" --argjson sp "$SRC_PORT" --argjson dp "$DST_PORT" \
    '{domain: $d, name: "verify-migration.sh", source: {host: "127.0.0.1", port: $sp, security: "None", auth: "Plain"},
      destination: {host: "127.0.0.1", port: $dp, security: "None", auth: "Plain"}}' >"$WORK/job.json"
JOB_ID="$(api POST /api/migration/jobs "$WORK/job.json" | jq -r '.id')" || die "could not create the job"
# Passwords go in a request body file (0600), never on a command line.
(umask 077 && jq -n --arg u "$USER_LOGIN" --arg sp "$SRC_PASS" --arg dp "$GIVEN_DST_PASS" \
    '{sourceUser: $u, sourcePassword: $sp, destUser: $u, destPassword: $dp}' >"$WORK/mailbox.json")
api POST "/api/migration/jobs/$JOB_ID/mailboxes" "$WORK/mailbox.json" >/dev/null || die "could not add the mailbox"
rm -f "$WORK/mailbox.json"
say "Job $JOB_ID with mailbox $USER_LOGIN."

ADDED=0
if run_pass preflight "/api/migration/jobs/$JOB_ID/preflight" '{}' \
    && run_pass initial "/api/migration/jobs/$JOB_ID/sync" '{"kind":"initial"}'; then
    seed src "$USER_LOGIN" INBOX 3 later
    seed src "$USER_LOGIN" Work/Reports 2 later
    ADDED=5
    say "  added $ADDED messages on the source (INBOX 3, Work/Reports 2)"
    run_pass delta "/api/migration/jobs/$JOB_ID/sync" '{"kind":"delta"}' \
        && run_pass final "/api/migration/jobs/$JOB_ID/sync" '{"kind":"final"}'
fi

if [[ "$BREAK" == lose && ${#FAILURES[@]} -eq 0 ]]; then
    doveadm_on dst expunge -u "$USER_LOGIN" mailbox Work uid 1 || die "could not expunge for VERIFY_BREAK=lose"
    say "  VERIFY_BREAK=lose: expunged one message from Work on the destination"
fi

# ---- the figures ------------------------------------------------------------------------------
say ""
printf '%-16s %8s %12s  %s\n' "Folder" "Source" "Destination" ""
SRC_TOTAL=0
DST_TOTAL=0
for f in "${FOLDERS[@]}"; do
    s="$(count_messages src "$USER_LOGIN" "$f")"
    d="$(count_messages dst "$USER_LOGIN" "$f")"
    SRC_TOTAL=$((SRC_TOTAL + s))
    DST_TOTAL=$((DST_TOTAL + d))
    mark="ok"
    if [[ "$s" != "$d" ]]; then
        mark="DIFFERENT"
        FAILURES+=("$f: $s on the source, $d on the destination")
    fi
    printf '%-16s %8s %12s  %s\n' "$f" "$s" "$d" "$mark"
done
printf '%-16s %8s %12s\n' "Total" "$SRC_TOTAL" "$DST_TOTAL"
say ""
for label in preflight initial delta final; do
    printf 'Run %-10s %-10s %s\n' "$label" "${STATUS[$label]:-not run}" "${DURATION[$label]:+${DURATION[$label]} s}"
done

if GATE="$(api GET "/api/migration/jobs/$JOB_ID/gate")"; then
    state="$(jq -r '.state | ascii_downcase' <<<"$GATE")"
    grade="$(jq -r '.result.grade | ascii_downcase' <<<"$GATE")"
    ratio="$(jq -r 'if .result.ratio == null then "unknown" else ((.result.ratio * 10000 | floor) / 100 | tostring) + "%" end' <<<"$GATE")"
    say "Gate: $state (grade $grade, $ratio of messages)"
    if [[ "$state" != ready && "$state" != approved ]]; then
        FAILURES+=("the gate is $state (grade $grade): $(jq -r '.result.reasons | join(" ")' <<<"$GATE")")
    fi
else
    FAILURES+=("could not read the gate")
fi

# The console must never have written a password into its log or the run logs.
if grep -rqF -e "$SRC_PASS" -e "$DST_PASS" -e "$TOKEN" "$WORK/console.log" "$WORK/data/logs" 2>/dev/null; then
    FAILURES+=("a password or the token appears in the console's logs")
fi

say ""
if ((${#FAILURES[@]} == 0)); then
    say "PASS: $DST_TOTAL of $SRC_TOTAL messages in ${#FOLDERS[@]} folders on the destination (incl. $ADDED added before the delta); gate $state."
    exit 0
fi
say "FAIL:"
printf '  - %s\n' "${FAILURES[@]}"
exit 1
