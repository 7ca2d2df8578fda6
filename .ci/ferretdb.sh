#!/usr/bin/env bash
# Builds FerretDB 1.x, the MongoDB wire-protocol server (SQLite backend) the MongoDB
# integration's tests start, into ~/.cache/floodwatch-test/bin/ferretdb when it is not there.
# FerretDB 2 has no SQLite backend; 1.24 needs Go 1.24 or later (Debian 12's golang-go is 1.19).
set -euo pipefail

version=v1.24.2
bin_dir="$HOME/.cache/floodwatch-test/bin"
target="$bin_dir/ferretdb"

if [ -x "$target" ] && [ "$("$target" --version 2>/dev/null | sed -n 1p)" = "version: $version" ]; then
  exit 0
fi

# The first Go that is 1.21 or later: it builds FerretDB itself from 1.24 on, and below 1.24
# fetches the Go 1.24 toolchain FerretDB's go.mod names from the Go proxy (GOTOOLCHAIN=auto).
go_bin=""
for candidate in "$(command -v go || true)" /usr/local/go/bin/go /usr/lib/go-1.2*/bin/go; do
  [ -n "$candidate" ] && [ -x "$candidate" ] || continue
  minor=$("$candidate" env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')
  if [ -n "$minor" ] && [ "$minor" -ge 21 ]; then
    go_bin=$candidate
    break
  fi
done
if [ -z "$go_bin" ]; then
  echo ".ci/ferretdb.sh: FerretDB $version needs Go 1.21 or later to build (found none on PATH," \
    "in /usr/local/go or /usr/lib/go-1.2x); install one from https://go.dev/dl/ or Debian backports" >&2
  exit 1
fi

mkdir -p "$bin_dir"
build_dir=$(mktemp -d)
trap 'chmod -R u+w "$build_dir"; rm -rf "$build_dir"' EXIT
echo "building FerretDB $version with $("$go_bin" env GOVERSION) into $target" >&2
# Built from a copy of the module's source: the module as published lacks
# build/version/version.txt, without which the binary refuses to start.
export GOTOOLCHAIN=auto GOFLAGS="-trimpath -buildvcs=false"
module_dir=$(cd "$build_dir" && "$go_bin" mod download -json "github.com/FerretDB/FerretDB@$version" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
cp -r "$module_dir" "$build_dir/src"
chmod -R u+w "$build_dir/src"
echo "$version" >"$build_dir/src/build/version/version.txt"
(cd "$build_dir/src" && "$go_bin" build -o "$build_dir/ferretdb" ./cmd/ferretdb)
mv "$build_dir/ferretdb" "$target"
"$target" --version >&2
