#!/usr/bin/env bash
# The editor half of `npm run demo` (called after `lab up`): packages the .vsix, installs it, and opens a
# workspace holding the lab's cluster file and a pgpool.conf with mistakes. Uses the desktop VS Code when
# one is on PATH with a display (unless DEMO_CODE_SERVER=1), else code-server on 127.0.0.1, in the
# foreground until Ctrl-C. DEMO_PORT picks code-server's port (default 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

vsix="$(npm run --silent package | tail -n 1)"
[ -f "$vsix" ] || { echo "npm run package did not produce a .vsix" >&2; exit 1; }

demo="$root/.code-server/demo"
workspace="$demo/workspace"
mkdir -p "$workspace"
cp test/e2e/workspace/pgpool.conf "$workspace/pgpool.conf"
eval "$(node dist/cli.js lab env | grep '^export ')"
cp "$PGPOOL_CLUSTER_FILE" "$workspace/pgpool-cluster.yaml"

if [ "${DEMO_CODE_SERVER:-0}" != 1 ] && command -v code >/dev/null 2>&1 && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  code --install-extension "$vsix" --force
  code "$workspace"
  echo "Opened $workspace in VS Code with $(basename "$vsix") installed."
  exit 0
fi

bash scripts/install-code-server.sh
mkdir -p "$demo/user-data/User" "$demo/extensions"
settings="$demo/user-data/User/settings.json"
# The demo workspace sits inside this repository: keep the Git extension from offering to open it.
cat >"$settings" <<'JSON'
{
  "security.workspace.trust.enabled": false,
  "workbench.startupEditor": "none",
  "telemetry.telemetryLevel": "off",
  "git.openRepositoryInParentFolders": "never"
}
JSON
code_server=(node "$root/.code-server/node_modules/code-server/out/node/entry.js"
  --user-data-dir "$demo/user-data" --extensions-dir "$demo/extensions")
"${code_server[@]}" --install-extension "$vsix" --force >/dev/null

port="${DEMO_PORT:-8080}"
printf 'auth: none\ncert: false\n' >"$demo/config.yaml"
echo
echo "  Open http://127.0.0.1:$port/?folder=$workspace"
echo "  (from another machine: ssh -L $port:127.0.0.1:$port this-host). Ctrl-C stops code-server;"
echo "  'npm run lab -- down' stops the lab."
echo
exec "${code_server[@]}" --config "$demo/config.yaml" --auth none --bind-addr "127.0.0.1:$port" \
  --disable-workspace-trust --disable-telemetry --disable-update-check
