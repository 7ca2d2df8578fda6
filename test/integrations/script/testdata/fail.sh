#!/bin/sh
echo "connecting to the router"
echo "cannot reach the router" >&2
exit 3
