#!/bin/sh
# Fails the first time it runs, succeeds afterwards.
dir=$(dirname "$0")
if [ -e "$dir/tried" ]; then
  printf '%s\n' "$@" >> "$dir/calls"
  exit 0
fi
touch "$dir/tried"
echo "first try fails" >&2
exit 1
