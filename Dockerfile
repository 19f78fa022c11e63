# Omnicart in a container: a static binary on a distroless base (no shell,
# no package manager), running as an unprivileged user.
#
#   docker build -t omnicart \
#     --build-arg VERSION=$(git describe --tags --always) \
#     --build-arg COMMIT=$(git rev-parse --short=12 HEAD) .
#   docker run -d --name shop -p 8080:8080 -v omnicart-data:/var/lib/omnicart omnicart
#
# See README.md "Deploy".

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=
ARG BUILD_DATE=
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT} -X main.buildDate=${BUILD_DATE}" \
      -o /out/omnicart ./cmd/omnicart \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/omnicart /usr/local/bin/omnicart
COPY deploy/config.toml /etc/omnicart/config.toml
# The data directory belongs to the unprivileged user (65532, "nonroot").
COPY --from=build --chown=65532:65532 /out/data /var/lib/omnicart
USER 65532:65532
WORKDIR /etc/omnicart
VOLUME ["/var/lib/omnicart"]
EXPOSE 8080
# The image has no shell and no curl: the binary checks itself. It finds
# the address in the data directory, where the running shop wrote it.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/omnicart", "healthcheck", "--config", "/etc/omnicart/config.toml"]
ENTRYPOINT ["/usr/local/bin/omnicart"]
CMD ["run", "--config", "/etc/omnicart/config.toml", "--http", ":8080"]
