# syntax=docker/dockerfile:1
# The Vigil image: vigild, vigilctl and vigil-worker on PATH, running as the unprivileged user "node".
# compose.yaml builds it; alone:  docker build -t vigil .
#   docker run --rm -v "$PWD/my.conf:/etc/vigil/vigild.conf:ro" vigil

# --- build: compile TypeScript, then drop the dev dependencies -------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would compile before the sources are here (they come next).
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts \
 && rm -rf dist/test dist/bench

# --- runtime ----------------------------------------------------------------------------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /opt/vigil
# package.json stays: `vigil/listener` imports resolve through its "exports".
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# The three commands (paths as in package.json "bin"), and the directories examples/compose/vigild.conf
# uses, owned by the user the daemons run as.
RUN set -eux; \
    for bin in dist/src/daemon/vigild.js dist/src/ctl/vigilctl.js dist/src/worker/vigil-worker.js; do \
      test -f "$bin"; chmod 755 "$bin"; \
    done; \
    ln -s /opt/vigil/dist/src/daemon/vigild.js /usr/local/bin/vigild; \
    ln -s /opt/vigil/dist/src/ctl/vigilctl.js /usr/local/bin/vigilctl; \
    ln -s /opt/vigil/dist/src/worker/vigil-worker.js /usr/local/bin/vigil-worker; \
    mkdir -p /etc/vigil /run/vigil /var/log/vigil /var/lib/vigil; \
    chown node:node /run/vigil /var/log/vigil /var/lib/vigil
USER node
# vigild stops every program on SIGTERM; vigil-worker finishes its jobs in flight. Both exit 0.
STOPSIGNAL SIGTERM
CMD ["vigild", "-n", "-c", "/etc/vigil/vigild.conf"]
