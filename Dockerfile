# Ferry's image: the sidecar and its injector (`ferry`, `ferry injector`), one production bundle.
#   docker build -t ferry:0.1.0 .
# The build stage compiles TypeScript and makes the bundle with tools/bundle/bundle.sh (production
# dependencies only, and the sidecar as one minified script with its V8 code cache, sidecar/dist/bundle/main.js
# the entry point, as it starts faster and idles in less memory than the compiled files, see bench/RESULTS.md; the
# cache is made on this stage's Node, the same image as the runtime stage's, else V8 refuses it); the runtime stage is
# Node 20 slim + tini, running as a non-root user. No HEALTHCHECK: Kubernetes probes /healthz and /readyz on the
# admin port.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY sdk/package.json sdk/
COPY sidecar/package.json sidecar/
COPY bench/package.json bench/
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY sdk/ sdk/
COPY sidecar/ sidecar/
COPY bench/ bench/
COPY tools/bundle/ tools/bundle/
RUN npm run build && bash tools/bundle/bundle.sh /opt/ferry

FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/ferry /opt/ferry
ENV NODE_ENV=production
# the injected sidecar and the injector's Deployment run as this user (chart: sidecar.runAsUser)
USER 65532:65532
# 4140 local API (loopback), 4141 admin; the injector: 8443 webhook, 8080 admin
EXPOSE 4141 8443 8080
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/opt/ferry/sidecar/dist/bundle/main.js"]
