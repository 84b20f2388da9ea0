#!/usr/bin/env bash
# Installs mg-workhorse: the built package under PREFIX, the sample configs under SYSCONFDIR (never
# overwriting an operator's file: a changed sample lands next to it as *.new), the systemd unit under UNITDIR,
# and mg-workhorse / mod_gearman_worker links under BINDIR. Every path can be set from the environment, and
# DESTDIR puts the whole tree below a staging folder (packaging, tests). docs/operations.md walks through it.
#
#   sudo scripts/install.sh                              # /opt/mg-workhorse, /etc/mg-workhorse, systemd unit
#   PREFIX=/usr/lib/mg-workhorse scripts/install.sh
#   DESTDIR=/tmp/stage SKIP_BUILD=1 scripts/install.sh   # stage without root
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX="${PREFIX:-/opt/mg-workhorse}"
SYSCONFDIR="${SYSCONFDIR:-/etc/mg-workhorse}"
UNITDIR="${UNITDIR:-/etc/systemd/system}"
BINDIR="${BINDIR:-/usr/local/bin}"
DESTDIR="${DESTDIR:-}"
SERVICE_USER="${SERVICE_USER:-nagios}"
SERVICE_GROUP="${SERVICE_GROUP:-$SERVICE_USER}"
NODE="${NODE:-$(command -v node)}"

say() { printf 'install: %s\n' "$*"; }

if [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -f dist/cli/worker.js ]; then
  say "building dist/"
  npm run --silent build
fi

root="$DESTDIR$PREFIX"
say "package -> $root"
install -d "$root"
rm -rf "$root/dist" "$root/perl" "$root/plugins" "$root/node_modules"
cp -R dist perl plugins package.json "$root/"
# The native spawner addon (spawner=auto uses it when present); only the built module is needed at run time.
rm -rf "$root/native"
if [ -f native/build/Release/mg_spawn.node ]; then
  install -d "$root/native/build/Release"
  install -m 0755 native/build/Release/mg_spawn.node "$root/native/build/Release/"
fi
install -d "$root/docs"
cp docs/*.md "$root/docs/"

# Only the runtime dependencies, dereferenced (node_modules may be a symlink in a worktree). npm ls lists
# each installed production package once, with its path; the first line is the project itself.
say "runtime dependencies -> $root/node_modules"
npm ls --omit=dev --all --parseable 2>/dev/null | tail -n +2 | while IFS= read -r dir; do
  rel="node_modules/${dir#*/node_modules/}"
  install -d "$root/$(dirname "$rel")"
  cp -RL "$dir" "$root/$rel"
done
chmod 0755 "$root/dist/cli/worker.js"

say "commands -> $DESTDIR$BINDIR"
install -d "$DESTDIR$BINDIR"
for name in mg-workhorse mod_gearman_worker; do
  ln -sfn "$PREFIX/dist/cli/worker.js" "$DESTDIR$BINDIR/$name"
done

# A config the operator changed is kept; the new sample goes beside it.
say "configs -> $DESTDIR$SYSCONFDIR"
install -d "$DESTDIR$SYSCONFDIR"
for f in worker.cfg worker.yaml; do
  target="$DESTDIR$SYSCONFDIR/$f"
  if [ -e "$target" ] && ! cmp -s "packaging/$f" "$target"; then
    install -m 0640 "packaging/$f" "$target.new"
    say "kept your $SYSCONFDIR/$f; the new sample is $SYSCONFDIR/$f.new"
  else
    install -m 0640 "packaging/$f" "$target"
  fi
done

say "systemd unit -> $DESTDIR$UNITDIR/mg-workhorse.service"
install -d "$DESTDIR$UNITDIR"
sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@SYSCONFDIR@|$SYSCONFDIR|g" -e "s|@USER@|$SERVICE_USER|g" \
  -e "s|@GROUP@|$SERVICE_GROUP|g" -e "s|@NODE@|$NODE|g" packaging/mg-workhorse.service >"$DESTDIR$UNITDIR/mg-workhorse.service"

if [ -z "$DESTDIR" ] && command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  say "done: edit $SYSCONFDIR/worker.cfg (server=, key=), then: systemctl enable --now mg-workhorse"
else
  say "done (systemd not reloaded: staged install or no systemd)"
fi
