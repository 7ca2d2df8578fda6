#!/bin/sh
# Ignores SIGTERM and waits on a child of its own, far past any time limit.
trap '' TERM
sleep 60 &
echo $! > "$(dirname "$0")/child.pid"
wait
