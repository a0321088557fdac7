#!/usr/bin/env bash
# FerretDB (MongoDB wire protocol over SQLite) for tests and local runs.
#   scripts/ferretdb.sh install          build ferretdb into ~/go/bin unless a working one exists
#   scripts/ferretdb.sh start DIR PORT   run it in the background on 127.0.0.1:PORT, data and log in DIR
#   scripts/ferretdb.sh stop DIR         stop the instance started with DIR
#
# Why not plain `go install ...@v1.24.2`:
# 1. A binary built that way panics at start-up: the module lacks the generated
#    build/version/version.txt. We build from a copy of the module with that file written.
# 2. FerretDB v1 runs `update`, `findAndModify` and `delete` as "query, then write back" without
#    isolation (FerretDB issue #3040), so concurrent $inc on one document lose updates: 500 parallel
#    {$inc: {n: 1}} end at n ~ 30. MongoDB guarantees single-document atomicity and Tollgate's
#    MongoDB store relies on it (see docs/mongodb.md). For tests to check the store against that
#    guarantee, the build adds one process-wide mutex around those three commands and `insert`
#    (inserts too, so writers queue in Go instead of in SQLite's sleeping busy handler). A test
#    server: throughput is not the point.
# 3. Its SQLite backend looks documents up by `_ferretdb_sjson->'$._id'` while the _id index is on
#    `_ferretdb_sjson->"_id"`, so SQLite never uses the index and every _id lookup scans the
#    collection (a charge went from 15 ms to 75 ms as 1,000 events accumulated). The build makes
#    the lookup use the indexed expression (same value, same JSON text). It also uses the _id
#    index when the filter has other conditions besides a plain `_id` (FerretDB only does so for
#    a filter that is `_id` alone); the handler re-checks the whole filter on what comes back.
# The build says "package: tollgate-patched-3" in --version; older builds are rebuilt.
set -euo pipefail

FERRETDB_VERSION="${FERRETDB_VERSION:-v1.24.2}"
GOBIN_DIR="$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin"

die() { echo "ferretdb.sh: $*" >&2; exit 1; }

PATCH_MARK="tollgate-patched-3"

# Prints the path of a patched ferretdb binary that starts, or nothing. FERRETDB_BIN is taken as
# given (the tests probe it for atomic updates and say so if it lacks them).
find_bin() {
  local c
  if [[ -n "${FERRETDB_BIN:-}" ]]; then
    echo "$FERRETDB_BIN"
    return 0
  fi
  for c in "$GOBIN_DIR/ferretdb" "$HOME/go/bin/ferretdb" "$(command -v ferretdb 2>/dev/null || true)"; do
    if [[ -n "$c" && -x "$c" ]] && "$c" --version 2>/dev/null | grep -q "package: $PATCH_MARK"; then
      echo "$c"
      return 0
    fi
  done
  return 0
}

# The two source changes described in the header; $1 is the module copy.
patch_ferretdb() {
  local dir="$1/internal/handler" f meta="$1/internal/backends/sqlite/metadata/metadata.go"
  local coll="$1/internal/backends/sqlite/collection.go"
  cat >"$dir/tollgate_atomic.go" <<'GO'
package handler

import "sync"

// tollgateWriteMu makes update, findAndModify and delete atomic with respect to each other,
// as MongoDB's single-document writes are (added by Tollgate's scripts/ferretdb.sh).
var tollgateWriteMu sync.Mutex
GO
  for f in msg_insert.go:MsgInsert msg_update.go:MsgUpdate msg_findandmodify.go:MsgFindAndModify msg_delete.go:MsgDelete; do
    awk -v fn="${f#*:}" '{ print } index($0, "func (h *Handler) " fn "(") == 1 { print "\ttollgateWriteMu.Lock()"; print "\tdefer tollgateWriteMu.Unlock()" }' \
      "$dir/${f%%:*}" >"$dir/${f%%:*}.new"
    mv "$dir/${f%%:*}.new" "$dir/${f%%:*}"
    grep -q 'tollgateWriteMu.Lock()' "$dir/${f%%:*}" || die "could not patch ${f%%:*} (FerretDB source changed?)"
  done
  sed -i "s|IDColumn = DefaultColumn + \"->'\$._id'\"|IDColumn = DefaultColumn + \`->\"_id\"\`|" "$meta"
  grep -q 'IDColumn = DefaultColumn + `->"_id"`' "$meta" || die "could not patch metadata.go (FerretDB source changed?)"
  sed -i '0,/^\tif params.Filter.Len() == 1 {$/s//\tif params.Filter.Len() >= 1 {/' "$coll"
  grep -q '^	if params.Filter.Len() >= 1 {$' "$coll" || die "could not patch collection.go (FerretDB source changed?)"
}

install() {
  local existing
  existing="$(find_bin)"
  if [[ -n "$existing" ]]; then
    echo "ferretdb already installed: $existing"
    return 0
  fi
  command -v go >/dev/null || die "Go is required to build FerretDB (apt-get install golang-go, or install Go >= 1.22)"
  local mod src
  mod="$(go mod download -json "github.com/FerretDB/FerretDB@${FERRETDB_VERSION}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$mod" ]] || die "go mod download did not give a module directory"
  src="$(mktemp -d)"
  trap 'rm -rf "$src"' RETURN
  cp -r "$mod/." "$src/"
  chmod -R u+w "$src"
  echo "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  echo "$PATCH_MARK" >"$src/build/version/package.txt"
  patch_ferretdb "$src"
  mkdir -p "$GOBIN_DIR"
  (cd "$src" && go build -trimpath -o "$GOBIN_DIR/ferretdb" ./cmd/ferretdb)
  "$GOBIN_DIR/ferretdb" --version >/dev/null || die "built $GOBIN_DIR/ferretdb but it does not start"
  echo "installed $GOBIN_DIR/ferretdb ($FERRETDB_VERSION)"
}

start() {
  local dir="${1:?usage: ferretdb.sh start DIR PORT}" port="${2:?usage: ferretdb.sh start DIR PORT}"
  local bin
  bin="$(find_bin)"
  [[ -n "$bin" ]] || die "no working ferretdb binary; run: scripts/ferretdb.sh install"
  mkdir -p "$dir/data"
  dir="$(cd "$dir" && pwd)"
  if [[ -f "$dir/ferretdb.pid" ]] && kill -0 "$(cat "$dir/ferretdb.pid")" 2>/dev/null; then
    die "already running in $dir (pid $(cat "$dir/ferretdb.pid"))"
  fi
  # Telemetry off, no debug HTTP listener (its fixed port would clash between instances),
  # state file kept inside DIR.
  DO_NOT_TRACK=1 nohup "$bin" --handler=sqlite --sqlite-url="file:$dir/data/" \
    --listen-addr="127.0.0.1:$port" --state-dir="$dir" --telemetry=disable --debug-addr=- \
    --log-level=warn >"$dir/ferretdb.log" 2>&1 </dev/null &
  echo $! >"$dir/ferretdb.pid"
  local i
  for ((i = 0; i < 100; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "ferretdb listening on 127.0.0.1:$port (pid $(cat "$dir/ferretdb.pid"), log $dir/ferretdb.log)"
      return 0
    fi
    kill -0 "$(cat "$dir/ferretdb.pid")" 2>/dev/null || { cat "$dir/ferretdb.log" >&2; die "ferretdb exited at start-up"; }
    sleep 0.1
  done
  stop "$dir"
  die "ferretdb did not accept connections on 127.0.0.1:$port within 10s (see $dir/ferretdb.log)"
}

stop() {
  local dir="${1:?usage: ferretdb.sh stop DIR}"
  local pidfile="$dir/ferretdb.pid" pid i
  [[ -f "$pidfile" ]] || { echo "no pid file in $dir"; return 0; }
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$pidfile"
}

case "${1:-}" in
  install) install ;;
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) die "usage: $0 install | start DIR PORT | stop DIR" ;;
esac
