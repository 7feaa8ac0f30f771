# syntax=docker/dockerfile:1
# One image per app:  docker build --build-arg APP=auth -t tessera-auth .
# The web console:    docker build --target web -t tessera-web .
# docker-compose.yml builds all four. The build stage is the same for every image (no ARG in
# it), so Docker builds the workspace once and each image copies its part.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Nx runs in-process here: no daemon, no terminal UI, no cloud.
ENV NX_DAEMON=false NX_TUI=false NX_NO_CLOUD=true CI=true
COPY . .
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
RUN npm run build \
 && test -f dist/web/index.html \
 && for app in auth orders profile; do \
      test -f dist/$app/apps/$app/src/main.js && test -d dist/$app/apps/$app/migrations || exit 1; \
    done \
 && npm prune --omit=dev --no-audit --no-fund

# The web console: static files, /config.json and security headers (scripts/lib/web-server.mjs).
FROM ${NODE_IMAGE} AS web
ENV NODE_ENV=production WEB_HOST=0.0.0.0 WEB_PORT=3000
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/web ./dist/web
COPY --from=build /app/scripts/lib/web-server.mjs ./scripts/lib/web-server.mjs
USER node
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.WEB_PORT + '/health/ready', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))"]
CMD ["node", "scripts/lib/web-server.mjs"]

# An API (the default target): --build-arg APP=auth|orders|profile.
FROM ${NODE_IMAGE} AS runtime
ARG APP
RUN case "$APP" in auth|orders|profile) ;; *) echo "build with --build-arg APP=auth|orders|profile" >&2; exit 1 ;; esac
ENV APP=${APP} NODE_ENV=production HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
# The build copies each app's migrations into dist beside its code.
COPY --from=build /app/dist/${APP} ./dist/${APP}
# Embedded PGlite (no database URL, non-production only) writes under .data/.
RUN mkdir -p .data && chown node:node .data
USER node
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["node", "-e", "const port = process.env.PORT || { auth: 3001, orders: 3002, profile: 3003 }[process.env.APP]; fetch('http://127.0.0.1:' + port + '/health/ready', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))"]
CMD ["sh", "-c", "exec node dist/$APP/apps/$APP/src/main.js"]
