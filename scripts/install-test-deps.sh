#!/usr/bin/env bash
# Installs the system packages the test suite needs, only those that are missing (a second run is
# fast). Needs root (or sudo) for apt-get; without it, names what to install and fails.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1; }
have dovecot   || need+=(dovecot-imapd dovecot-core)
have doveadm   || need+=(dovecot-core)
have readpst   || need+=(pst-utils)
have chromium  || need+=(chromium)
have node      || need+=(nodejs)
have npm       || need+=(npm)
have pdftoppm  || need+=(poppler-utils)
have sqlite3   || need+=(sqlite3)
have jq        || need+=(jq)
have curl      || need+=(curl)
have perl      || need+=(perl)
# The Zimbra export over SSH is tested against a real OpenSSH server started by the test (its own config and host key).
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
# The PostgreSQL tests (issue 17) start their own throw-away cluster with initdb/pg_ctl from Debian's postgresql.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
# The real imapsync 2.229 (run in place from ../shared/tools/imapsync by the engine tests) loads these
# Perl modules at start; the Debian packages are those of scripts/install-migration-tools.sh it needs.
imapsync_modules=(Mail::IMAPClient Digest::HMAC_SHA1 IO::Socket::INET6 IO::Socket::SSL Net::SSLeay Term::ReadKey
  File::Copy::Recursive Data::Uniqid Encode::IMAPUTF7 JSON JSON::WebToken Unicode::String Readonly Sys::MemInfo
  Regexp::Common File::Tail Authen::NTLM Crypt::OpenSSL::RSA IO::Tee Proc::ProcessTable HTML::Entities LWP::UserAgent URI::Escape)
if ! perl $(printf -- '-M%s ' "${imapsync_modules[@]}") -e 1 2>/dev/null; then
  need+=(libmail-imapclient-perl libdigest-hmac-perl libio-socket-inet6-perl libio-socket-ssl-perl libnet-ssleay-perl
    libterm-readkey-perl libfile-copy-recursive-perl libdata-uniqid-perl libencode-imaputf7-perl libjson-perl
    libjson-webtoken-perl libunicode-string-perl libreadonly-perl libsys-meminfo-perl libregexp-common-perl
    libfile-tail-perl libauthen-ntlm-perl libcrypt-openssl-rsa-perl libio-tee-perl libproc-processtable-perl
    libhtml-parser-perl libwww-perl liburi-perl)
fi
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ -f /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ] || need+=(fonts-liberation)

if [ ${#need[@]} -eq 0 ]; then
  echo "test dependencies: all present"
  exit 0
fi

# Deduplicate.
mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
echo "test dependencies: installing ${need[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if have sudo; then SUDO=sudo; else
    echo "ERROR: missing ${need[*]} and not root. Install them with: apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "test dependencies: installed"
