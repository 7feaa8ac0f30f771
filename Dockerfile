# syntax=docker/dockerfile:1
# One image per app:  docker build --build-arg APP=auth -t tessera-auth .
# docker-compose.yml builds all three.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
ARG APP
RUN test -n "$APP" || { echo "build with --build-arg APP=auth|orders|profile" >&2; exit 1; }
WORKDIR /app
# Nx runs in-process here: no daemon, no terminal UI, no cloud.
ENV NX_DAEMON=false NX_TUI=false NX_NO_CLOUD=true CI=true
COPY . .
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
RUN npm run build \
 && test -f dist/${APP}/apps/${APP}/src/main.js \
 && test -d dist/${APP}/apps/${APP}/migrations \
 && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ARG APP
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
