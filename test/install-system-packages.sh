#!/usr/bin/env bash
# Installs the Debian packages the tests use: the real Heartbeat 3.0.6 and keepalived as reference
# peers, socat for the serial pty pair, iptables/iproute2 for the namespace lab, arping, busybox httpd,
# promtool (prometheus) for the metrics format and headless Chromium for the status page.
# Idempotent; needs root (apt-get).
set -euo pipefail
pkgs=(heartbeat keepalived socat iptables iproute2 net-tools logrotate iputils-arping iputils-ping tcpdump busybox procps psmisc util-linux prometheus chromium)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-system-packages: need root to install: ${missing[*]}" >&2
  exit 4
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
# Debian's packages start their services on install; the tests run their own instances only.
for svc in heartbeat keepalived pacemaker prometheus prometheus-node-exporter; do
  [ -x /etc/init.d/$svc ] && /etc/init.d/$svc stop >/dev/null 2>&1 || true
done
