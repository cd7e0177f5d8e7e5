#!/usr/bin/env bash
# The one command for a new user: install what is missing, build, package, bring up the lab.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh
[ -x node_modules/.bin/tsc ] || npm ci --no-audit --no-fund
npm run build --silent
node dist/cli.js lab up
if [ -f scripts/demo-vscode.sh ]; then bash scripts/demo-vscode.sh; fi
