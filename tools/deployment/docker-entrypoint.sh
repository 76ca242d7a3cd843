#!/bin/sh
# Entrypoint of every tutorhub image (one image per app, APP baked in at build time).
#   <image>                 serve            (node dist/apps/$APP/src/main.js)
#   <image> migrate         run this app's migrations and exit
#   <image> dlq list|show|replay …   inspect or replay its dead-letter queue (docs/operations.md)
#   <image> node … | sh …   run that command as given (docker-compose's migrate steps use this)
# `exec` keeps node as PID 1 so SIGTERM reaches it directly and the graceful shutdown runs.
set -eu
main="dist/apps/${APP:?APP is not set in this image}/src/main.js"
case "${1:-serve}" in
  serve) exec node "$main" ;;
  migrate) shift; exec node "$main" migrate "$@" ;;
  dlq) shift; exec node "$main" dlq "$@" ;;
  -*) exec node "$main" "$@" ;;
  *) exec "$@" ;;
esac
