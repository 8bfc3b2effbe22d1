# syntax=docker/dockerfile:1
# The Store Platform image: one image for every role (ROLES=api, worker or both, by environment) and
# for the migrations Job. Node 24 runs the TypeScript as is (type stripping); only the dashboard is
# built. Runs as the unprivileged `node` user (uid 1000) and writes nothing outside /tmp, so it runs
# with a read-only root filesystem (the chart mounts an emptyDir at /tmp).
# Build: docker build -t ghcr.io/store-platform/store-platform:0.1.0 .

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: the SvelteKit dashboard (ui/build) --------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: skips the helm download (tests only) and the `node` npm package (the image has Node).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY api ./api
COPY renderer ./renderer
COPY ui ./ui
RUN cd ui && node ../node_modules/vite/bin/vite.js build

# ---- runtime -------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# The Git writer runs the git CLI (commits, pushes, ancestry checks).
RUN apt-get update \
  && apt-get install -y --no-install-recommends git ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    ROLES=api,worker \
    PORT=8080 \
    HOME=/tmp
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force && rm -rf /root/.npm
COPY api ./api
COPY gitops ./gitops
COPY renderer ./renderer
COPY ui/server.ts ui/package.json ./ui/
COPY --from=build /app/ui/build ./ui/build
# The worker fills an empty GitOps repo from the template and the vendored store chart.
COPY gitops-repo-template ./gitops-repo-template
COPY charts/woocommerce-store ./charts/woocommerce-store
COPY scripts/migrate.ts ./scripts/migrate.ts
USER 1000:1000
EXPOSE 8080
# The same command as the chart's containers (charts/store-platform/templates/_helpers.tpl).
CMD ["node", "api/src/main.ts"]
