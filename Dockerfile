# Two images, Node 24 LTS, non-root:
# - every program of a tenant pod: `docker build --target tenant-pod -t tenant-pod .`, then
#   `docker run tenant-pod user-backend` (the Helm charts pass the program name);
# - the master pod: `docker build --target control-plane -t control-plane .`, the same programs plus terraform,
#   helm, kubectl and the Terraform and Helm files the kubernetes driver runs.

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY . .
# Install scripts stay off (none is needed in the image: no embedded Postgres, no native builds);
# the build makes the bundles, then development dependencies go.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && find packages -name '*.map' -delete

# The tools of the provisioning worker, each checked against the SHA-256 sum its project publishes.
FROM debian:bookworm-slim AS tools
ARG TARGETARCH=amd64
ARG TERRAFORM_VERSION=1.11.4
ARG HELM_VERSION=3.16.4
ARG KUBECTL_VERSION=1.32.4
WORKDIR /download
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl unzip && rm -rf /var/lib/apt/lists/*
RUN set -eu; mkdir /out \
 && terraform="terraform_${TERRAFORM_VERSION}_linux_${TARGETARCH}.zip" \
 && curl -fsSLO "https://releases.hashicorp.com/terraform/${TERRAFORM_VERSION}/${terraform}" \
 && curl -fsSL "https://releases.hashicorp.com/terraform/${TERRAFORM_VERSION}/terraform_${TERRAFORM_VERSION}_SHA256SUMS" | grep " ${terraform}$" | sha256sum -c - \
 && unzip -q "${terraform}" terraform -d /out \
 && helm="helm-v${HELM_VERSION}-linux-${TARGETARCH}.tar.gz" \
 && curl -fsSLO "https://get.helm.sh/${helm}" \
 && curl -fsSL "https://get.helm.sh/${helm}.sha256sum" | sha256sum -c - \
 && tar -xzf "${helm}" -C /out --strip-components=1 "linux-${TARGETARCH}/helm" \
 && curl -fsSLo kubectl "https://dl.k8s.io/release/v${KUBECTL_VERSION}/bin/linux/${TARGETARCH}/kubectl" \
 && echo "$(curl -fsSL "https://dl.k8s.io/release/v${KUBECTL_VERSION}/bin/linux/${TARGETARCH}/kubectl.sha256")  kubectl" | sha256sum -c - \
 && install -m 755 kubectl /out/kubectl

FROM node:24-bookworm-slim AS tenant-pod
# HOST: every interface, where probes and Services reach a program at the pod IP (the charts set it too).
ENV NODE_ENV=production NODE_COMPILE_CACHE=/tmp/node-compile-cache HOST=0.0.0.0
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

# The master pod: the provisioning worker runs terraform and helm with these files (TENANTRY_DRIVER=kubernetes).
FROM tenant-pod AS control-plane
COPY --from=tools /out/ /usr/local/bin/
COPY --from=build /src/deploy/terraform ./deploy/terraform
COPY --from=build /src/deploy/helm ./deploy/helm
