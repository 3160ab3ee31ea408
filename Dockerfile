# syntax=docker/dockerfile:1
#
# Vanguard in a container: a static binary on a distroless base, run by a non-root user,
# with the data directory as a volume. docs/OPERATIONS.md, "Running it in a container".
#
# Not built by CI: the project's CI machine has no Docker engine and cannot reach the
# image registries. Build it once on a machine with Docker before relying on it:
#   docker build -t vanguard --build-arg VERSION=$(git describe --always) .

# --- build: the module compiled to one static binary --------------------------------
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY cmd ./cmd
COPY internal ./internal
ARG VERSION=dev
# The SQLite driver is pure Go, so the binary needs no C library at all.
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath \
      -ldflags "-s -w -X vanguard/internal/app.Version=${VERSION}" \
      -o /out/vanguard ./cmd/vanguard \
 && mkdir -p /out/data

# --- run: CA certificates and time zones, no shell, no package manager --------------
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/vanguard /usr/local/bin/vanguard
# An empty data directory owned by the runtime user, so a fresh named volume is too.
COPY --from=build --chown=65532:65532 /out/data /var/lib/vanguard
USER 65532:65532
ENV VANGUARD_ADDR=0.0.0.0:8080 \
    VANGUARD_DATA_DIR=/var/lib/vanguard \
    VANGUARD_LOG_FORMAT=json
EXPOSE 8080
VOLUME ["/var/lib/vanguard"]
# The image has no curl: the binary asks itself for /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/vanguard", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/vanguard"]
CMD ["serve"]
