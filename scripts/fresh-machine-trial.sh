#!/usr/bin/env bash
# Issue 11's proof, by hand on a disposable machine: remove what .ci/run installs (the apt packages, the
# PostgreSQL 11/17 binaries, code-server), keep /usr/sbin/policy-rc.d as Debian images ship it, then run
# .ci/run and `npm run demo` on a fresh clone, timing both. DESTRUCTIVE for this machine's packages.
# Usage: bash scripts/fresh-machine-trial.sh --yes ci|demo [CLONE_DIR]
#   ci    purge, fresh clone, `CI=true bash .ci/run`
#   demo  purge, fresh clone, `npm run demo` until code-server answers (then stopped)
set -euo pipefail
[ "${1:-}" = --yes ] && { yes=1; shift; } || yes=0
phase="${1:-ci}"; shift || true
src="$(cd "$(dirname "$0")/.." && pwd)"
clone="${1:-/tmp/pgpool-cluster-fresh-trial}"
packages=(pgpool2 postgresql-15-pgpool2 openssh-server rsync chromium libkrb5-dev ripgrep)
if [ "$yes" != 1 ]; then
  echo "This purges ${packages[*]}, /opt/pgpool-cluster and code-server caches on THIS machine. Re-run with --yes." >&2
  exit 2
fi
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
node "$src/dist/cli.js" lab down >/dev/null 2>&1 || true
[ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "${packages[@]}" >/tmp/fresh-trial-purge.log 2>&1 || true
rm -rf /opt/pgpool-cluster /tmp/vscode-ripgrep-cache-* "$clone"
git clone -q "$src" "$clone"
cd "$clone"
start=$(date +%s)
if [ "$phase" = demo ]; then
  port=8097
  (DEMO_PORT=$port DEMO_CODE_SERVER=1 setsid npm run demo >/tmp/fresh-trial-demo.log 2>&1 &)
  until curl -s -o /dev/null "http://127.0.0.1:$port/"; do
    sleep 2
    if [ $(( $(date +%s) - start )) -gt 1800 ]; then echo "demo: no code-server after 30 min" >&2; break; fi
  done
  s=$(( $(date +%s) - start ))
  pkill -f "bind-addr 127.0.0.1:$port" || true
  node dist/cli.js lab down >/dev/null 2>&1 || true
  echo "fresh-machine trial: npm run demo served code-server after $s s (log /tmp/fresh-trial-demo.log)"
else
  set +e
  CI=true bash .ci/run 2>&1 | tee /tmp/fresh-trial-ci.log
  ci_rc=${PIPESTATUS[0]}
  set -e
  echo "fresh-machine trial: .ci/run exit $ci_rc in $(( $(date +%s) - start )) s (log /tmp/fresh-trial-ci.log)"
  exit "$ci_rc"
fi
