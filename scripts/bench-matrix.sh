#!/usr/bin/env bash
# The performance matrix of the native IMAP engine (issue 18; not part of the test suite, run on demand).
# Needs root and Dovecot (apt-get install -y dovecot-imapd dovecot-core); row 5 also readpst (pst-utils).
# Each row is measured in the same run on the same data against the ceiling of the two servers:
# min(raw FETCH of every body over 4 source connections, discarded; raw MULTIAPPEND of the same messages
# over 4 destination connections), with `doveadm backup -R` (imapc) beside it. Our sync runs with the
# engine's defaults and the console's state store (EfSyncStateStore on a SQLite file).
#   row 1  20,000 messages of ~5 KB in 25 folders
#   row 2  one folder of 300,000 messages: initial, no-change delta, 100 new + 500 flag changes, RSS, store size
#   row 3  200 mailboxes x 200 messages, the console's concurrency default (4 mailboxes at a time)
#   row 4  40 messages of 25 MB: MB/s, peak RSS
#   row 5  a generated PST of BENCH_PST_MB (1900) end to end with the real readpst, and the TGZ import, against
#          the MULTIAPPEND ceiling (scripts/bench-pst.sh with BENCH_PST_MB, scripts/bench-tgz.sh)
# Rows 1-4 are repeated (--repeat, default 3) and print medians; deltas run once, on the last repetition.
#
# Usage: scripts/bench-matrix.sh [--rows 1,2,3,4,5] [--scale 1] [--row2-scale S] [--repeat 3] [--row1-repeat N]
#          [--no-doveadm] [--one-folder-reference] [--volume-reference]
#   --row1-repeat repeats row 1 N times instead of --repeat's count (its medians): row 1 is the shortest row (6-8 s at
#   full size) and the noisiest, and row 2 / row 1 moves with it.
#   --one-folder-reference also measures one folder of row 1's message count before row 2, and prints row 2 against it
#   (what the folder's size costs) and it against row 1 (what one folder instead of 25 costs).
#   --volume-reference also measures row 1's shape (25 folders) at row 2's message count before row 2, and prints it
#   against row 1 (what the volume costs) and row 2 against it (what one folder instead of 25 costs at that volume).
#   --scale multiplies the message counts of rows 1, 3, 4 (and 2 unless --row2-scale is given); row 5 writes a
#   PST of BENCH_PST_MB MiB (default 1900: "a PST under 2 GB") and uses BENCH_MB (default 200) for the TGZ.
#   Full run: ~1.5-2 h on 2 loaded cores; needs ~10 GB in /tmp, and for row 2 at full size ~12 GB more per
#   repetition (each phase's destination accounts are deleted at the end of its row, not before the next phase).
# Figures measured on this machine are in docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v dovecot >/dev/null || { echo "dovecot missing: apt-get install -y dovecot-imapd dovecot-core" >&2; exit 1; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
rows="1,2,3,4,5"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
echo "machine: $(nproc) cores, $(free -m | awk '/Mem:/{print $2}') MB RAM; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
imap_rows=$(echo "$rows" | tr ',' '\n' | grep -E '^[1-4]$' | paste -sd, || true)
if [ -n "$imap_rows" ]; then
  dotnet build tests/Ligbox.Bench -c Release -nologo -v q
  dotnet tests/Ligbox.Bench/bin/Release/net10.0/Ligbox.Bench.dll matrix --rows "$imap_rows" "${args[@]}"
fi
if echo "$rows" | tr ',' '\n' | grep -qx 5; then
  echo "== row 5: imports against the MULTIAPPEND ceiling (BENCH_PST_MB=${BENCH_PST_MB:=1900}, BENCH_MB=${BENCH_MB:=200})"
  echo "-- PST: a ${BENCH_PST_MB} MiB PST written by the test PST writer, imported with the real readpst"
  BENCH_PST_MB=$BENCH_PST_MB scripts/bench-pst.sh 2>&1 | sed -n '/^=== generated PST/,$p' || true
  echo "-- TGZ (Zimbra export)"
  BENCH_MB=$BENCH_MB scripts/bench-tgz.sh 2>&1 | grep -E '^\|' || true
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
