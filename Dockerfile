# kite-autologin: logs in to Zerodha Kite Connect every trading morning (docs/deployment.md).
# The Node version is the one the project is tested with (Node 24 LTS: package.json engines,
# scripts/setup.sh, CI); Debian bookworm gives the same Chromium package the tests use.
ARG NODE_VERSION=24.21.0

# --- build: all dependencies, TypeScript -> dist/ (the Kite simulator package first) ---
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# npm ci links the workspace packages, so their package.json files come with the lock file.
COPY package.json package-lock.json ./
COPY packages/kite-simulator/package.json ./packages/kite-simulator/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY packages/kite-simulator/tsconfig.json ./packages/kite-simulator/
COPY packages/kite-simulator/src ./packages/kite-simulator/src
COPY src ./src
# Source maps and type declarations serve nobody at run time: not carried into the image.
RUN npm run build \
 && find dist packages/kite-simulator/dist -type f \( -name '*.map' -o -name '*.d.ts' \) -delete

# --- runtime: production dependencies, dist/, Debian's Chromium headless shell, tini ---
FROM node:${NODE_VERSION}-bookworm-slim
# chromium-headless-shell is Debian's build of the same Chromium without the desktop browser
# around it: what the tests run headless logins in, and far lighter (see the benchmark).
# tini is PID 1: it reaps Chromium's child processes and passes SIGTERM on to Node.
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium-headless-shell tini \
 && rm -rf /var/lib/apt/lists/*
# /data is the only place written: token, state, lock, diagnostics, and Chromium's temporary
# profile (TMPDIR), so the root filesystem can be read-only. Chromium's own sandbox needs
# user namespaces, which Docker's default seccomp profile refuses; the container (non-root,
# read-only, no capabilities) is the sandbox instead.
ENV NODE_ENV=production \
    TOKEN_FILE=/data/kite-token.json \
    TMPDIR=/data/tmp \
    XDG_CONFIG_HOME=/data/tmp/.config \
    XDG_CACHE_HOME=/data/tmp/.cache \
    CHROMIUM_PATH=/usr/lib/chromium/chromium-headless-shell \
    CHROMIUM_SANDBOX=off \
    KITE_AUTOLOGIN_IMAGE=1
WORKDIR /app
# The simulator package is in the image for `sandbox` (only that command loads it).
COPY package.json package-lock.json ./
COPY packages/kite-simulator/package.json ./packages/kite-simulator/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/packages/kite-simulator/dist ./packages/kite-simulator/dist
COPY calendar ./calendar
RUN chmod 755 dist/cli.js \
 && ln -s /app/dist/cli.js /usr/local/bin/kite-autologin \
 && mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
HEALTHCHECK --interval=1m --timeout=20s --retries=3 CMD ["node", "/app/dist/cli.js", "health"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/cli.js"]
CMD ["run"]
