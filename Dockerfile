# partnerbill as a container image: built JavaScript only, run as the unprivileged `node` user,
# the database and secret key on the /data volume, a health check on /healthz (docs/adr/0033).
#   docker build -t partnerbill .
#   docker run -p 8080:8080 -v partnerbill-data:/data partnerbill
# compose.yaml runs two nodes on PostgreSQL behind nginx. CI (scripts/ci-image.sh) builds the two
# base images below locally from Debian packages, since no registry is reachable there.
ARG NODE_BUILD_IMAGE=node:20-bookworm
ARG NODE_RUNTIME_IMAGE=node:20-bookworm-slim

# --- build: dependencies (better-sqlite3 is compiled when no prebuilt binary can be fetched), then
# the TypeScript → dist/ build, then the development dependencies are dropped.
FROM ${NODE_BUILD_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -f dist/.tsbuildinfo

# --- runtime
FROM ${NODE_RUNTIME_IMAGE}
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data \
    DATABASE_URL=sqlite:/data/partnerbill.db
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY package.json LICENSE ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "bin/partnerbill.js", "serve"]
