# syntax=docker/dockerfile:1
#
# One Dockerfile for every tutorhub app; the build argument APP picks which one the image runs:
#
#   docker build --build-arg APP=gateway -t tutorhub/gateway:dev .
#   docker run --rm tutorhub/gateway:dev            # serve
#   docker run --rm tutorhub/gateway:dev migrate    # run the gateway's migrations and exit
#
# APP is one of: gateway, bookings, sessions, payments, notifications, chapa-sandbox.
# See docs/operations.md.

ARG NODE_IMAGE=node:24-slim

# ---- builder: all dependencies, compile every app with swc --------------------------------------
FROM ${NODE_IMAGE} AS builder
WORKDIR /src
# `npm install`, not `npm ci`: npm ci rejects the lockfile npm writes for this project (platform-
# specific optional packages, see shared/REFERENCE.md); npm install leaves it unchanged.
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm install --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY tools ./tools
COPY libs ./libs
COPY apps ./apps
ARG APP
RUN test -n "${APP}" || { echo 'build argument APP is required (e.g. --build-arg APP=gateway)' >&2; exit 1; }
# The gateway serves its committed OpenAPI document from dist/apps/gateway/openapi.json (copied
# there by tools/build.cjs; ADR 0021): an image without it would not start.
RUN npm run build && test -f "dist/apps/${APP}/src/main.js" \
 && { [ "${APP}" != gateway ] || test -f dist/apps/gateway/openapi.json; }

# ---- prod-deps: production dependencies only ---------------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
# The `node` dependency (the node@24 npm package, ~120 MB) only gives `npm start` a Node 24 on
# machines with an older system Node; the image already is Node 24, so it is dropped here.
# --ignore-scripts: no production dependency needs an install script to run (the remaining ones
# are @scarf/scarf's telemetry, denied in allowScripts anyway, and protobufjs' version notice).
RUN --mount=type=cache,target=/root/.npm \
    npm pkg delete dependencies.node \
 && npm install --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime -----------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG APP
# NODE_ENV=production is the safe default for a bare `docker run`: no migrations at start (a Job,
# init container or compose step runs `migrate`) and development secrets are refused.
# docker-compose.yml sets NODE_ENV=development for the laptop setup.
ENV APP=${APP} \
    NODE_ENV=production
WORKDIR /app
# Everything stays owned by root and read-only for the app user; nothing is written at run time
# except /tmp (an emptyDir/tmpfs in k8s and compose, where the root filesystem is read-only).
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=builder /src/dist/libs ./dist/libs
COPY --from=builder /src/dist/apps/${APP} ./dist/apps/${APP}
COPY --chmod=755 tools/deployment/docker-entrypoint.sh /usr/local/bin/tutorhub-entrypoint
COPY tools/deployment/healthcheck.cjs /app/healthcheck.cjs
LABEL org.opencontainers.image.title="tutorhub-${APP}" \
      org.opencontainers.image.source="https://github.com/tutorhub/tutorhub"
# The `node` user of the official image, numeric so Kubernetes can verify runAsNonRoot.
USER 1000:1000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "/app/healthcheck.cjs"]
# The entrypoint runs `node dist/apps/$APP/src/main.js` (exec form cannot expand $APP itself);
# `migrate` as the argument runs the migrations, any other command (`node …`) runs as given.
ENTRYPOINT ["/usr/local/bin/tutorhub-entrypoint"]
CMD ["serve"]
