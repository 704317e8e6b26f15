#!/bin/sh
# deps.sh build|test|bench - make sure the Debian/Ubuntu packages a
# step needs are installed. As root it installs what is missing with
# apt-get (running `apt-get update` first); otherwise it prints the exact
# command to run and fails. It checks with dpkg-query first, so a machine
# that already has everything pays nothing.
set -eu

build_pkgs="gcc make cmake pkg-config libevent-dev libmbedtls-dev libinih-dev
libjansson-dev zlib1g-dev"
# Real peers for the end-to-end tests: clients (openssl, gnutls-cli, curl,
# swaks, NSS tstclnt, Java, Python), servers behind the relay (openssl
# s_server, Dovecot IMAP/POP3), the independent decoder (tshark), clang for
# libFuzzer and the sanitizers, and Chromium for the dashboard browser test.
test_pkgs="python3 openssl gnutls-bin curl swaks libnss3-tools
default-jre-headless tshark clang libclang-rt-dev iproute2 procps
dovecot-imapd dovecot-pop3d chromium"
bench_pkgs="nginx libnginx-mod-stream haproxy"

# Node.js (for playwright-core) comes with some images outside dpkg; only
# ask for Debian's when there is no node at all.
node_pkgs=""
command -v node >/dev/null 2>&1 || node_pkgs="nodejs"
command -v npm >/dev/null 2>&1 || node_pkgs="$node_pkgs npm"

case "${1:-build}" in
build) want="$build_pkgs" ;;
test) want="$build_pkgs $test_pkgs $node_pkgs" ;;
bench) want="$build_pkgs $test_pkgs $node_pkgs $bench_pkgs" ;;
*) echo "usage: $0 build|test|bench" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "deps: installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing >/dev/null
    exit 0
fi
echo "deps: missing packages:$missing" >&2
echo "deps: install them with: sudo apt-get install$missing" >&2
exit 1
