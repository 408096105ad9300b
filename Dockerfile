# One image for every program of a tenant pod (and the master pod): `docker build -t tenant-pod .`, then
# `docker run tenant-pod user-backend` (the Helm charts pass the program name). Node 24 LTS, non-root.

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY . .
# Install scripts stay off (none is needed in the image: no embedded Postgres, no native builds);
# the build makes the bundles, then development dependencies go.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && find packages -name '*.map' -delete

FROM node:24-bookworm-slim
ENV NODE_ENV=production NODE_COMPILE_CACHE=/tmp/node-compile-cache
WORKDIR /app
# Only what runs: production dependencies, the packages' built output and manifests, the entry point.
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/packages ./packages
COPY --from=build /src/deploy/docker/pod-entry.mjs ./deploy/docker/pod-entry.mjs
RUN groupadd --gid 10001 tenantry && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin tenantry
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["node", "--max-semi-space-size=1", "deploy/docker/pod-entry.mjs"]
