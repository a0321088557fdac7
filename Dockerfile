# Tollgate: metering proxy for OpenAI-compatible APIs.
# Runs the TypeScript sources directly with Node 24's type stripping; no build step.
FROM node:24-slim

ENV NODE_ENV=production \
    TOLLGATE_HOST=0.0.0.0 \
    TOLLGATE_PORT=8787 \
    TOLLGATE_DATABASE_PATH=/data/tollgate.db

WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only: the image already has Node 24, so the node@24 dev dependency is skipped.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY config ./config
COPY src ./src
COPY public ./public

RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8787

HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.TOLLGATE_PORT||8787)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# SIGTERM from `docker stop` triggers the graceful shutdown in src/server.ts.
CMD ["node", "src/server.ts"]
