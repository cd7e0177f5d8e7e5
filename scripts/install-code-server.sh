#!/usr/bin/env bash
# Installs code-server (a real VS Code, 1.100.3) into .code-server/ for the extension-host and E2E suites
# and the demo. It is not a dependency of the extension. Offline-friendly: the only downloads are npm and
# Debian packages (code-server from npm, its ripgrep from Debian). Idempotent: a second run returns in well under a second.
# Usage: bash scripts/install-code-server.sh        (CODE_SERVER_DIR overrides the install folder)
set -euo pipefail

version=4.100.3
# The @vscode/ripgrep that code-server 4.100.3 pins (lib/vscode/npm-shrinkwrap.json) and the asset its
# postinstall would download; a tarball of that name in its cache folder is used instead.
ripgrep_pkg_version=1.15.11
ripgrep_asset=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${CODE_SERVER_DIR:-$root/.code-server}"
marker="$dir/.installed-$version"
pkg="$dir/node_modules/code-server"
vscode="$pkg/lib/vscode"

# The native parts that a silently skipped install script would leave missing.
check_installed() {
  [ -x "$dir/node_modules/.bin/code-server" ] &&
    [ -x "$vscode/node_modules/@vscode/ripgrep/bin/rg" ] &&
    [ -f "$vscode/node_modules/node-pty/build/Release/pty.node" ] &&
    [ -f "$vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node" ] &&
    [ -d "$vscode/extensions/node_modules" ]
}

if [ -f "$marker" ] && check_installed; then
  echo "code-server $version already installed in $dir"
  exit 0
fi

missing=()
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v make >/dev/null 2>&1 || missing+=(make)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  [ "$(id -u)" = 0 ] || { echo "need root to install ${missing[*]}" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" ||
    { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; }
fi

# Offline ripgrep: @vscode/ripgrep's postinstall takes a cached asset before trying the network.
tmp="${TMPDIR:-/tmp}"
cache="$tmp/vscode-ripgrep-cache-$ripgrep_pkg_version"
if [ ! -s "$cache/$ripgrep_asset" ]; then
  mkdir -p "$cache"
  staging="$(mktemp -d)"
  cp "$(command -v rg)" "$staging/rg"
  tar czf "$cache/$ripgrep_asset" -C "$staging" rg
  rm -rf "$staging"
fi

mkdir -p "$dir"
# A project of its own, so npm never touches the extension's package.json or lockfile.
if [ ! -f "$dir/package.json" ]; then
  cat >"$dir/package.json" <<'JSON'
{
  "name": "pgpool-cluster-code-server",
  "private": true,
  "description": "code-server for the pgpool-cluster test suites and demo; not part of the extension",
  "allowScripts": { "code-server": true }
}
JSON
fi

export npm_config_yes=true            # code-server's native modules call `npx node-gyp`
export npm_config_ignore_scripts=false
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
[ "$(id -u)" = 0 ] && export npm_config_unsafe_perm=true   # its postinstall refuses root otherwise
# Build native modules against the installed Node headers instead of downloading them.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ] && [ "$(npm config get nodedir)" = undefined ]; then
  export npm_config_nodedir=/usr
fi
# npm 11's install-script policy (package.json#allowScripts) cannot reach the nested `npm install`s that
# code-server's postinstall runs in its own folders; this pinned, known package needs all of them to run.
if [ "$(npm config get dangerously-allow-all-scripts 2>/dev/null)" = false ]; then
  export npm_config_dangerously_allow_all_scripts=true
fi

echo "installing code-server@$version into $dir (a few minutes)"
started=$(date +%s)
(cd "$dir" && npm install --save-exact --foreground-scripts "code-server@$version")

if ! check_installed; then
  echo "code-server installed but a native part is missing (an install script did not run?)" >&2
  exit 1
fi
touch "$marker"
echo "code-server $version installed in $dir in $(( $(date +%s) - started )) s"
