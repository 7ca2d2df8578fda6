#!/bin/sh
# Prints far more than anyone wants in a log line.
head -c 200000 /dev/zero | tr '\0' x
echo
echo "done" >&2
