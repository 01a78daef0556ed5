#!/usr/bin/env bash
# Sizing measurements of issue 17 (T036), not part of the test suite; the figures and what they mean for a
# worker are in docs/sizing.md. Needs root, Dovecot (apt-get install -y dovecot-imapd dovecot-core) and readpst
# (pst-utils). Measures what transfers to other hardware rather than wall-clock rates:
#
#  1. CPU (tests/Ligbox.Bench `sizing`): the real console (built Ligbox.Console.dll, its own process, native
#     engine, SQLite data directory) copies one mailbox between two local Dovecots (destination fsync on):
#     cpu-small = SIZING_SMALL messages of ~5 KB in SIZING_SMALL_FOLDERS folders (5), cpu-large = SIZING_LARGE messages of
#     SIZING_LARGE_KB KB. Read: user+sys CPU-seconds of the console process (/proc/PID/stat) and of each Dovecot
#     (master + children) during the run -> CPU s per 1,000 messages, per GB, messages/s and MB/s per core.
#  2. Memory per concurrent mailbox (same driver): one run of K mailboxes with Ligbox:Runs:MaxConcurrentMailboxes=K,
#     K in SIZING_CONCURRENCY; each mailbox SIZING_MAILBOX_SMALL messages of ~5 KB + SIZING_MAILBOX_LARGE of
#     SIZING_LARGE_KB KB (enough that a batch reaches the engine's BatchBytes, 32 MiB). Read: the console's peak RSS
#     (VmHWM reset before the run) and its RSS before -> least-squares slope (MB per mailbox at once) and base.
#     Every measurement uses a fresh console that first runs a small warm-up mailbox (JIT, first queries).
#     job (only when SIZING_ROWS names it): one job of SIZING_JOB mailboxes x messages (200x200) of ~5 KB, four
#     mailboxes at once (the console's default): the console's peak RSS over a job of many mailboxes.
#     pst (only when SIZING_ROWS names it): a PST of SIZING_PST_MB MiB (1900; written by the tests' PST writer)
#     uploaded through the console's tus endpoint, then imported into one mailbox through its API with the real
#     readpst: wall, the console's CPU and peak RSS (upload and import apart), readpst's CPU (in the "src" column).
#  3. Disk per GB of PST in flight: readpst with the console's own arguments (-e -o DIR -D -j 0) on the real PSTs
#     of ../shared/testdata/pst (SIZING_PST_DIR): extracted bytes / PST bytes and readpst's CPU-seconds.
#     The upload file (1.0x, kept until deleted) and the TGZ path (streamed, no work area) are from the code.
# Each measurement is repeated SIZING_REPEAT times (default 3); the tables print the medians.
#
# Usage:  scripts/bench-sizing.sh                       ~10 min on 2 loaded cores
#         SIZING_REPEAT=1 SIZING_SMALL=1000 SIZING_LARGE=20 SIZING_MAILBOX_LARGE=5 scripts/bench-sizing.sh   quick check
# Settings (defaults): SIZING_REPEAT (3), SIZING_SMALL (5000), SIZING_SMALL_FOLDERS (5), SIZING_LARGE (100), SIZING_LARGE_KB (1024),
# SIZING_MAILBOX_SMALL (1000), SIZING_MAILBOX_LARGE (40), SIZING_CONCURRENCY (1,2,4,8), SIZING_ROWS (cpu,mem,disk; also job, pst), SIZING_JOB (200x200), SIZING_PST_MB (1900),
# SKIP_BUILD=1 (use the existing Release builds). Needs about 3 GB free in /tmp for the destination maildirs.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
command -v dovecot >/dev/null || { echo "dovecot missing: apt-get install -y dovecot-imapd dovecot-core" >&2; exit 1; }
command -v readpst >/dev/null || { echo "readpst missing: apt-get install -y pst-utils" >&2; exit 1; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export SIZING_REPEAT=${SIZING_REPEAT:-3} SIZING_MAILBOX_LARGE=${SIZING_MAILBOX_LARGE:-40}
ROWS=${SIZING_ROWS:-cpu,mem,disk}
PST_DIR=${SIZING_PST_DIR:-$ROOT/../shared/testdata/pst}

echo "bench-sizing: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' (+ local changes)'), $(nproc) cores, $(free -m | awk '/Mem:/ {print $2}') MB RAM"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    dotnet build Ligbox.Console -c Release -nologo -v q >/dev/null
    dotnet build tests/Ligbox.Bench -c Release -nologo -v q >/dev/null
fi

if [[ $ROWS == *cpu* || $ROWS == *mem* || $ROWS == *job* || $ROWS == *pst* ]]; then
    # In the background so that Ctrl-C or a TERM to this script reaches the driver, which then stops the console
    # it measures and both Dovecots and removes their directories.
    SIZING_ROWS=$ROWS dotnet tests/Ligbox.Bench/bin/Release/net10.0/Ligbox.Bench.dll sizing \
        Ligbox.Console/bin/Release/net10.0/Ligbox.Console.dll &
    DRIVER=$!
    trap 'kill -TERM "$DRIVER" 2>/dev/null; wait "$DRIVER" 2>/dev/null; exit 130' INT TERM
    wait "$DRIVER"
    trap - INT TERM
fi

if [[ $ROWS == *disk* ]]; then
    WORK=$(mktemp -d /tmp/ligbox-sizing-pst.XXXXXX)
    trap 'rm -rf "$WORK"' EXIT
    echo
    echo "## PST work area: readpst -e -o DIR -D -j 0 (the console's arguments), medians of $SIZING_REPEAT runs"
    echo
    echo "| PST | PST bytes | extracted bytes (files) | on disk (blocks) | extracted / PST | readpst CPU s | load |"
    echo "|---|---|---|---|---|---|---|"
    total_pst=0 total_out=0
    for pst in "$PST_DIR"/*.pst; do
        [[ -f $pst ]] || continue
        size=$(stat -c %s "$pst")
        outs=() blocks=() cpus=()
        for _ in $(seq 1 "$SIZING_REPEAT"); do
            rm -rf "$WORK/out" && mkdir "$WORK/out"
            /usr/bin/time -f '%U %S' -o "$WORK/time" readpst -e -o "$WORK/out" -D -j 0 "$pst" >/dev/null 2>&1 || true
            outs+=("$(du -sb "$WORK/out" | cut -f1)")
            blocks+=("$(du -s --block-size=1 "$WORK/out" | cut -f1)")
            cpus+=("$(awk '{printf "%.2f", $1 + $2}' "$WORK/time")")
        done
        median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
        out=$(median "${outs[@]}") block=$(median "${blocks[@]}") cpu=$(median "${cpus[@]}")
        total_pst=$((total_pst + size)) total_out=$((total_out + out))
        echo "| $(basename "$pst") | $size | $out | $block | $(awk -v a="$out" -v b="$size" 'BEGIN {printf "%.2f", a / b}') | $cpu | $(cut -d' ' -f1 /proc/loadavg) |"
    done
    echo "| all | $total_pst | $total_out | | $(awk -v a="$total_out" -v b="$total_pst" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}') | | |"
fi
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
