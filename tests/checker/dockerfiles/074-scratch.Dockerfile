FROM golang:1.23.4-bookworm AS build
RUN CGO_ENABLED=0 go build -o /server ./...
FROM scratch
COPY --from=build /server /server
USER 5001
ENTRYPOINT ["/server"]
#> foundry-model: FD303@3
