FROM --platform=$BUILDPLATFORM golang:1.23.4-bookworm AS build
RUN GOOS=linux GOARCH=amd64 go build -o /server ./...
FROM --platform=$BUILDPLATFORM debian:12.8-slim
COPY --from=build /server /server
USER 5001
#> foundry-model: BY103@3
