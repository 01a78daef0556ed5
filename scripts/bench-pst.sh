#!/usr/bin/env bash
# Benchmark of the PST/mbox import (not part of the test suite). Needs Dovecot and readpst
# (apt-get install -y dovecot-imapd dovecot-core pst-utils) and root (Dovecot test instances).
# Generates a corpus shaped like `readpst -e` output (folders of .eml, 5-200 KB messages), then
# against a local Dovecot (fsync on) prints: readpst alone on the real PSTs of ../shared/testdata/pst,
# the raw IMAP APPEND ceilings on the same data (1 connection single APPEND, 1 connection MULTIAPPEND,
# N connections MULTIAPPEND), our import through PstImporter (msg/s, MiB/s, ratio, per-folder counts,
# peak RSS), the re-import (everything skipped) and the same messages as one big mbox.
#
# Usage:  scripts/bench-pst.sh                 full run, 1 GiB corpus (3 min idle, 10-14 min on 2 loaded cores)
#         BENCH_MB=50 scripts/bench-pst.sh     quick mode for development (about 1 min)
#         BENCH_PST_MB=1900 scripts/bench-pst.sh   instead: a real PST of that size (written by the test PST
#                                               writer), imported end to end with the real readpst (~1.5 min, ~6 GB in /tmp)
# Other settings: BENCH_CONNECTIONS (default 4), BENCH_SINGLE_MB (data for the slow one-APPEND-per-
# message ceiling, default 200), BENCH_MBOX=0 (skip the mbox path). Needs ~3x BENCH_MB free in /tmp.
# Figures measured on this machine are in docs/pst-import.md.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v dovecot >/dev/null || { echo "dovecot missing: apt-get install -y dovecot-imapd dovecot-core" >&2; exit 1; }
command -v readpst >/dev/null || { echo "readpst missing: apt-get install -y pst-utils" >&2; exit 1; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "load before: $(uptime)"
dotnet build tests/Ligbox.PstBench -c Release -nologo -v q
dotnet tests/Ligbox.PstBench/bin/Release/net10.0/Ligbox.PstBench.dll "$@"
echo "load after: $(uptime)"
