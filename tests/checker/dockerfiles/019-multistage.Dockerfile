FROM golang:1.23.4-bookworm AS builder
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -o /out/server ./cmd/server
FROM debian:12.8-slim
COPY --from=builder /out/server /usr/local/bin/server
USER 5001
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/server"]
#> foundry-model: clean
