#!/bin/sh
# Runs a command with a Node.js >= 22.19 first on PATH, for it and every process it starts (see use-node.sh):
#   sh scripts/with-node.sh tap
#   sh scripts/with-node.sh node --conditions=@gaes/source bench/micro.ts
. "$(dirname "$0")/use-node.sh"
gaes_use_node || exit 1
exec "$@"
