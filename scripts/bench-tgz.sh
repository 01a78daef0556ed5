#!/usr/bin/env bash
# Benchmark of the Zimbra TGZ import (not part of the test suite). Needs Dovecot
# (apt-get install -y dovecot-imapd dovecot-core) and root (Dovecot test instances).
# Generates a Zimbra TGZ with the test generator (Zimbra's format: .meta before each message, folders
# split into Folder!1/!2, flags, tags), then against a local Dovecot (fsync on), BENCH_RUNS times (default 3),
# each into empty mailboxes: the raw IMAP MULTIAPPEND ceiling on the same messages extracted to files
# (N connections, batches of 50) and right after it our import straight from the .tgz through ZimbraImporter
# (msg/s, MiB/s, ratio to the ceiling, per-folder counts, peak RSS, load average); the re-import (everything
# skipped) after the first; at the end the median of the runs.
#
# Usage:  scripts/bench-tgz.sh                             full run, 1 GiB TGZ, 3 runs
#         BENCH_MB=256 scripts/bench-tgz.sh                3 runs of a 256 MiB TGZ
#         BENCH_MB=50 BENCH_RUNS=1 scripts/bench-tgz.sh    quick mode for development
# Other settings: BENCH_CONNECTIONS (default 4), BENCH_BODY (message body bytes, default 8000).
# Needs ~4x BENCH_MB free in /tmp. Figures measured on this machine are in docs/zimbra-import.md.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v dovecot >/dev/null || { echo "dovecot missing: apt-get install -y dovecot-imapd dovecot-core" >&2; exit 1; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "load before: $(uptime)"
dotnet build tests/Ligbox.TgzBench -c Release -nologo -v q
dotnet tests/Ligbox.TgzBench/bin/Release/net10.0/Ligbox.TgzBench.dll "$@"
echo "load after: $(uptime)"
