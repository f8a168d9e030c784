# The runtime image of a bento. Its build context is the bento folder itself.
#
# `bento containerize TAG` fills the marked sections (`# >>> bento:NAME` … `# <<< bento:NAME`) from the
# bento's bento.yaml (docker.base_image, envs, docker.env, docker.system_packages, labels) and builds it.
# As it stands the file also builds by hand, with defaults, from inside a bento folder:
#   docker build -f env/docker/Dockerfile -t activities_model .
# The build downloads nothing: the bundled service, the models and onnxruntime-node's Linux x64 files all
# come from the bento (only docker.system_packages, when listed, are installed from the base's package manager).

# >>> bento:base
ARG BASE_IMAGE=node:20-bookworm-slim
# <<< bento:base
FROM ${BASE_IMAGE}

# >>> bento:system_packages
# <<< bento:system_packages

# A fixed non-root user (numeric, so `runAsNonRoot` checks can see it). The bento's files stay owned by
# root: the service can read its code and models but never change them.
RUN if command -v useradd >/dev/null 2>&1; then \
      useradd --uid 10001 --user-group --create-home --home-dir /home/bento --shell /usr/sbin/nologin bento; \
    else \
      adduser -D -u 10001 -h /home/bento -s /sbin/nologin bento; \
    fi

WORKDIR /home/bento/bento
# Only what the runtime reads, largest and least often changed first so rebuilds reuse the layers.
COPY env/node_modules/ env/node_modules/
COPY models/ models/
COPY bento.yaml ./
COPY src/service.cjs src/service.cjs

ENV NODE_ENV=production
# >>> bento:env
# <<< bento:env

# The port the service listens on: --port, else BENTOML_PORT, else PORT, else 3000.
# >>> bento:port
EXPOSE 3000
# <<< bento:port

# Liveness without curl: Node's own fetch against /livez on the same port rule as the service.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.BENTOML_PORT || process.env.PORT || 3000) + '/livez').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

USER 10001:10001
# Exec form: node is PID 1 and receives SIGTERM itself; the runtime's primary stops its workers and exits 0.
STOPSIGNAL SIGTERM
# Arguments given to `docker run IMAGE …` are appended (e.g. `--workers 2`).
ENTRYPOINT ["node", "/home/bento/bento/src/service.cjs", "--production", "--host", "0.0.0.0"]
CMD []

# >>> bento:labels
# <<< bento:labels
