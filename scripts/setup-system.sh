#!/usr/bin/env bash
# Installs the Debian packages the lab and the test tiers need, without letting them start their own
# services (a system sshd on :22, a default pgpool and PostgreSQL cluster would collide with the lab).
# Safe to run again: it installs only what is missing.
set -euo pipefail

packages=(postgresql-15 postgresql-client-15 pgpool2 postgresql-15-pgpool2 openssh-server openssh-client rsync libcap2-bin)
if [ "${WITH_BROWSER:-0}" = 1 ]; then packages+=(chromium libkrb5-dev ripgrep); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "Missing packages: ${missing[*]}. Install them as root: apt-get install -y ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi

echo "Installing: ${missing[*]}" >&2
policy=/usr/sbin/policy-rc.d
added_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  added_policy=1
fi
# An if, not `[ ] && ...`: under set -e a false test in the EXIT trap would become the script's exit status.
cleanup() { if [ "$added_policy" = 1 ]; then $SUDO rm -f "$policy"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/pgpool-cluster-apt.log 2>&1; then
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/pgpool-cluster-apt.log 2>&1 \
    || { tail -20 /tmp/pgpool-cluster-apt.log >&2; echo "apt-get install failed (log: /tmp/pgpool-cluster-apt.log)" >&2; exit 1; }
fi
echo "Installed: ${missing[*]}" >&2
