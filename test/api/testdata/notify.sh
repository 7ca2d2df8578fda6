#!/bin/sh
# A FastNetMon-style notify script: appends its arguments (IP DIRECTION PPS ACTION) to
# notify.log beside itself, and keeps the last report it was given.
dir=$(dirname "$0")
printf '%s %s %s %s\n' "$1" "$2" "$3" "$4" >> "$dir/notify.log"
cat > "$dir/last-report"
