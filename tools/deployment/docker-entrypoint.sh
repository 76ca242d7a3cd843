#!/bin/sh
# Entrypoint of every tutorhub image (one image per app, APP baked in at build time).
#   <image>                 serve            (node dist/apps/$APP/src/main.js)
#   <image> migrate         run this app's migrations and exit
#   <image> dlq list|show|replay …   inspect or replay its dead-letter queue (docs/operations.md)
#   <image> node … | sh …   run that command as given (docker-compose's migrate steps use this)
# `exec` keeps node as PID 1 so SIGTERM reaches it directly and the graceful shutdown runs.
set -eu
main="dist/apps/${APP:?APP is not set in this image}/src/main.js"
# The same V8 flags as tools/runtime-flags.cjs (why: see there; deployment.spec checks they agree).
flags="--max-semi-space-size=1"
case "${1:-serve}" in
  serve) exec node $flags "$main" ;;
  migrate) shift; exec node $flags "$main" migrate "$@" ;;
  dlq) shift; exec node $flags "$main" dlq "$@" ;;
  -*) exec node $flags "$main" "$@" ;;
  *) exec "$@" ;;
esac
