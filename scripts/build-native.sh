#!/usr/bin/env bash
# Builds the native spawner addon (native/mg_spawn.c -> native/build/Release/mg_spawn.node) with node-gyp,
# against the headers of the running Node (npm's nodedir setting, as node-pty's build uses). Skipped when the
# addon is newer than its sources. The worker runs without it (spawner=auto falls back to the vfork launchers),
# but `npm run build` fails here so that a broken build is seen, not silently slower.
set -euo pipefail
cd "$(dirname "$0")/../native"
out=build/Release/mg_spawn.node
if [ -f "$out" ] && [ -z "$(find . -maxdepth 1 \( -name '*.c' -o -name '*.h' -o -name binding.gyp \) -newer "$out" -print -quit)" ]; then
  exit 0
fi
# `npm run` puts npm's own node-gyp on PATH; called directly, find the one npm bundles.
gyp=(node-gyp)
if ! command -v node-gyp >/dev/null 2>&1; then
  bundled="$(npm prefix -g)/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
  [ -f "$bundled" ] || { echo "build-native: node-gyp not found (install npm or node-gyp)" >&2; exit 1; }
  gyp=(node "$bundled")
fi
echo "build-native: building native/$out"
if ! log="$("${gyp[@]}" rebuild 2>&1)"; then
  printf '%s\n' "$log" >&2
  echo "build-native: the native spawner did not build (needs make, a C compiler and Node's headers); spawner=auto will use the vfork launchers" >&2
  exit 1
fi
# Compiler warnings are errors in waiting: show them.
printf '%s\n' "$log" | grep -E 'warning:|error:' >&2 || true
