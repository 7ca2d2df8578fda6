#!/bin/sh
# Writes its arguments, one a line, and its standard input next to itself.
dir=$(dirname "$0")
printf '%s\n' "$@" > "$dir/argv"
cat > "$dir/stdin"
echo "recorded $1 $4"
