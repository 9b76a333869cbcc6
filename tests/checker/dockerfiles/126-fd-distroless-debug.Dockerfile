FROM gcr.io/distroless/python3-debian12:debug-nonroot
USER 65532
#> foundry-model: clean
