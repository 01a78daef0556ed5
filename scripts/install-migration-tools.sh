#!/usr/bin/env bash
# Installs the external tools the migration console drives, skipping what is already there (a second
# run only checks and prints the table):
#   - readpst  (Debian pst-utils)
#   - doveadm  (Debian dovecot-core)
#   - imapsync's Perl dependencies (Debian lib*-perl packages)
#   - imapsync itself, which is NOT packaged in Debian 12: fetched from its upstream (GitHub raw, then
#     imapsync.lamiral.info) with a short timeout; when neither is reachable, installed from a local copy
#     (IMAPSYNC_LOCAL or --imapsync-from PATH, else ../shared/tools/imapsync/imapsync next to the repo).
# Ends with a table of what is available, with versions, and exits non-zero when imapsync is missing.
#
# Needs root, or sudo. Options and environment overrides:
#   --imapsync-from PATH  a local imapsync script to install when upstream cannot be reached
#   IMAPSYNC_LOCAL        the same as --imapsync-from
#   IMAPSYNC_DEST         where to put imapsync (default /usr/local/bin/imapsync)
#   IMAPSYNC_URL          a URL to try first (e.g. an internal mirror)
#   IMAPSYNC_UPSTREAM     space-separated upstream URLs instead of GitHub raw and imapsync.lamiral.info
#   FETCH_TIMEOUT         seconds per download attempt (default 20)
#   SKIP_PACKAGES=1       do not check or install Debian packages (the tests of this script use it)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
IMAPSYNC_LOCAL=${IMAPSYNC_LOCAL:-}
while [ $# -gt 0 ]; do
  case "$1" in
    --imapsync-from) IMAPSYNC_LOCAL=${2:?--imapsync-from needs a path}; shift 2 ;;
    --imapsync-from=*) IMAPSYNC_LOCAL=${1#*=}; shift ;;
    *) echo "usage: $0 [--imapsync-from PATH]" >&2; exit 64 ;;
  esac
done
if [ -z "$IMAPSYNC_LOCAL" ]; then
  # Next to the repository (also from a git worktree one level deeper).
  IMAPSYNC_LOCAL="$repo/../shared/tools/imapsync/imapsync"
  [ -f "$IMAPSYNC_LOCAL" ] || [ ! -f "$repo/../../shared/tools/imapsync/imapsync" ] || IMAPSYNC_LOCAL="$repo/../../shared/tools/imapsync/imapsync"
fi

IMAPSYNC_DEST=${IMAPSYNC_DEST:-/usr/local/bin/imapsync}
FETCH_TIMEOUT=${FETCH_TIMEOUT:-20}
# 2.229 is the version the project's parser was tested against (Resources/imapsync); pinned by commit.
IMAPSYNC_COMMIT=023535075cbfb4b364fee419330a1910cd57ec95
# shellcheck disable=SC2206 # IMAPSYNC_UPSTREAM is a space-separated list on purpose.
IMAPSYNC_URLS=(
  ${IMAPSYNC_URL:+"$IMAPSYNC_URL"}
  ${IMAPSYNC_UPSTREAM:-"https://raw.githubusercontent.com/imapsync/imapsync/${IMAPSYNC_COMMIT}/imapsync" "https://imapsync.lamiral.info/dist/imapsync"}
)

# Debian 12 packages. imapsync's own list (INSTALL.d/INSTALL.Debian.txt) plus what its --tests and
# optional features use; names without a candidate on this machine are reported and skipped.
PACKAGES=(
  pst-utils dovecot-core
  libauthen-ntlm-perl libcgi-pm-perl libcrypt-openssl-rsa-perl libdata-uniqid-perl
  libdigest-hmac-perl libdist-checkconflicts-perl libencode-imaputf7-perl libfile-copy-recursive-perl
  libfile-tail-perl libhtml-parser-perl libio-compress-perl libio-socket-inet6-perl libio-socket-ssl-perl
  libio-tee-perl libjson-perl libjson-webtoken-perl libmail-imapclient-perl libmodule-scandeps-perl
  libnet-dns-perl libnet-server-perl libnet-ssleay-perl libpar-packer-perl libparse-recdescent-perl
  libproc-processtable-perl libreadonly-perl libregexp-common-perl libsys-meminfo-perl
  libterm-readkey-perl libtest-deep-perl libtest-fatal-perl libtest-mock-guard-perl
  libtest-mockobject-perl libtest-pod-perl libtest-requires-perl libtest-warn-perl
  libunicode-string-perl liburi-perl libwww-perl
  ca-certificates
)

say() { printf '%s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2; exit }'; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if have sudo; then SUDO=sudo; else
    say "ERROR: run this as root or install sudo." >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive

# 1. Debian packages: only the missing ones.
missing=()
[ "${SKIP_PACKAGES:-}" = 1 ] && PACKAGES=()
for pkg in "${PACKAGES[@]+"${PACKAGES[@]}"}"; do installed "$pkg" || missing+=("$pkg"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "Debian packages missing: ${missing[*]}"
  # The package lists may be empty or stale on a new machine.
  $SUDO apt-get update -qq || say "WARNING: apt-get update failed; trying with the lists there are."
  available=(); unavailable=()
  for pkg in "${missing[@]}"; do
    c=$(candidate "$pkg")
    if [ -n "$c" ] && [ "$c" != "(none)" ]; then available+=("$pkg"); else unavailable+=("$pkg"); fi
  done
  [ ${#unavailable[@]} -gt 0 ] && say "Not available from this machine's Debian sources (skipped): ${unavailable[*]}"
  if [ ${#available[@]} -gt 0 ]; then
    say "Installing: ${available[*]}"
    $SUDO apt-get install -y -qq --no-install-recommends "${available[@]}" >/dev/null
  fi
else
  say "Debian packages: all present."
fi

# 2. imapsync from upstream, unless a working one is already there.
is_imapsync() { head -1 "$1" | grep -q perl && grep -q 'Gilles LAMIRAL' "$1" && perl "$1" --version >/dev/null 2>&1; }
imapsync_works() { local v; v=$("$1" --version 2>/dev/null | head -1) && [[ "$v" =~ ^[0-9]+\.[0-9]+ ]]; }
existing=$(command -v imapsync || true)
if [ -n "$existing" ] && imapsync_works "$existing"; then
  say "imapsync: already installed at $existing."
elif [ -x "$IMAPSYNC_DEST" ] && imapsync_works "$IMAPSYNC_DEST"; then
  say "imapsync: already installed at $IMAPSYNC_DEST (not on PATH; set Tools:Imapsync:ImapsyncPath to it)."
else
  tmp=$(mktemp)
  trap 'rm -f "$tmp"' EXIT
  fetched=""
  for url in "${IMAPSYNC_URLS[@]}"; do
    say "imapsync: trying $url (timeout ${FETCH_TIMEOUT}s)..."
    ok=1
    if have curl; then
      curl -fsSL --connect-timeout 5 --max-time "$FETCH_TIMEOUT" -o "$tmp" "$url" 2>/dev/null || ok=0
    elif have wget; then
      wget -q --timeout="$FETCH_TIMEOUT" --tries=1 -O "$tmp" "$url" 2>/dev/null || ok=0
    else
      say "imapsync: neither curl nor wget is installed; cannot download."; ok=0
    fi
    if [ "$ok" = 0 ]; then
      say "imapsync: $url is not reachable from this machine."
      continue
    fi
    # A captive portal or error page is not imapsync: check it is the Perl script and that it runs.
    if is_imapsync "$tmp"; then
      fetched="$url"; break
    fi
    say "imapsync: $url answered, but not with a working imapsync (error page, or a Perl module missing: try 'perl $tmp --version')."
  done
  if [ -z "$fetched" ]; then
    # Upstream unreachable: a local copy of the same script (same checks as a download).
    if [ -f "$IMAPSYNC_LOCAL" ]; then
      say "imapsync: upstream not reachable; trying the local copy $IMAPSYNC_LOCAL..."
      if is_imapsync "$IMAPSYNC_LOCAL"; then
        cp "$IMAPSYNC_LOCAL" "$tmp"; fetched="$IMAPSYNC_LOCAL"
      else
        say "imapsync: $IMAPSYNC_LOCAL is not a working imapsync (not the Perl script, or a Perl module missing: try 'perl $IMAPSYNC_LOCAL --version')."
      fi
    else
      say "imapsync: no local copy at $IMAPSYNC_LOCAL (give one with --imapsync-from PATH or IMAPSYNC_LOCAL)."
    fi
  fi
  if [ -n "$fetched" ]; then
    $SUDO install -D -m 0755 "$tmp" "$IMAPSYNC_DEST"
    say "imapsync: installed $("$IMAPSYNC_DEST" --version | head -1) from $fetched to $IMAPSYNC_DEST."
  else
    say "ERROR: imapsync could NOT be installed: its upstream (GitHub raw, imapsync.lamiral.info) is not"
    say "       reachable from this machine and there is no usable local copy. Its Perl dependencies are"
    say "       installed, so copying the single 'imapsync' script (https://github.com/imapsync/imapsync,"
    say "       2.229 tested) and running this again with --imapsync-from PATH is enough; or IMAPSYNC_URL=<mirror>."
  fi
fi

# 3. What is available now.
version_of() {
  case "$1" in
    readpst) readpst -V 2>/dev/null | grep -o 'v[0-9][0-9.]*' | head -1 | tr -d v ;;
    imapsync) "$2" --version 2>/dev/null | head -1 ;;
    # doveadm 2.3 has no --version; dovecot from the same package answers.
    doveadm) doveadm --version 2>/dev/null | head -1 || true; dovecot --version 2>/dev/null | awk '{print $1}' ;;
  esac
}
say ""
printf '%-10s %-10s %-14s %s\n' TOOL INSTALLED VERSION PATH
for tool in readpst imapsync doveadm; do
  path=$(command -v "$tool" || true)
  [ -z "$path" ] && [ "$tool" = imapsync ] && [ -x "$IMAPSYNC_DEST" ] && path=$IMAPSYNC_DEST
  if [ -n "$path" ]; then
    v=$(version_of "$tool" "$path" | grep -m1 . || true)
    printf '%-10s %-10s %-14s %s\n' "$tool" yes "${v:-unknown}" "$path"
  else
    printf '%-10s %-10s %-14s %s\n' "$tool" no - -
  fi
done

# imapsync is what the imapsync engine runs: the install failed when it is not there.
if ! { command -v imapsync >/dev/null 2>&1 || [ -x "$IMAPSYNC_DEST" ]; }; then
  say ""
  say "FAILED: imapsync is not installed (see above)."
  exit 1
fi
