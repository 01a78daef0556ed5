#!/usr/bin/env bash
# Benchmark of the native IMAP engine (not part of the test suite). Needs root and Dovecot
# (apt-get install -y dovecot-imapd dovecot-core). Seeds a local source Dovecot with 20,000 messages
# of ~5 KB in 25 folders by writing maildir files and running `doveadm force-resync`, then measures
# our initial sync, our no-change delta, `doveadm backup -R` through imapc into a fresh account, and
# our peak RSS (VmHWM reset before the sync).
# Usage: scripts/bench-sync.sh [messages=20000] [folders=25] [appendConnections=4]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v dovecot >/dev/null || { echo "dovecot missing: apt-get install -y dovecot-imapd dovecot-core" >&2; exit 1; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build tests/Ligbox.Bench -c Release -nologo -v q
exec dotnet tests/Ligbox.Bench/bin/Release/net10.0/Ligbox.Bench.dll "$@"
