# imgdiet itself, in a container. Built from the local debian:bookworm base with Debian's nodejs;
# `imgdiet slim` then cuts it down (see BENCHMARKS.md, "imgdiet's own image").
#   docker build -t imgdiet .
#   docker run --rm -v /var/run/docker.sock:/var/run/docker.sock imgdiet analyze debian:bookworm

FROM debian:bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && apt-get clean && rm -rf /var/lib/apt/lists/*
# Behind a TLS-intercepting proxy, give npm the proxy's CA (PEM text); empty by default:
#   docker build --build-arg EXTRA_CA_CERT="$(cat proxy-ca.pem)" -t imgdiet .
ARG EXTRA_CA_CERT=""
RUN if [ -n "$EXTRA_CA_CERT" ]; then \
      printf '%s\n' "$EXTRA_CA_CERT" > /usr/local/share/ca-certificates/extra-ca.crt && update-ca-certificates; \
    fi \
 && npm config set cafile /etc/ssl/certs/ca-certificates.crt
WORKDIR /src
# Dependencies first, so a source change does not reinstall them. No install scripts run: none
# of the production dependencies needs one (package.json "allowScripts").
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && find dist -name '*.map' -delete

# The full base because it is the one available offline (scripts/base-images.sh); what the program
# does not need is removed afterwards by `imgdiet slim`, a smaller cut than the -slim variant.
# imgdiet ignore=heavy-base-image
FROM debian:bookworm
# ca-certificates: imgdiet reads and writes registries over HTTPS.
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs ca-certificates \
 && apt-get clean && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/imgdiet
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY schemas ./schemas
ENTRYPOINT ["node", "/opt/imgdiet/dist/cli/main.js"]
CMD ["--help"]
