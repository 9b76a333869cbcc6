FROM python:3.12.12-slim-bookworm AS build
USER 5001
RUN echo building
FROM python:3.12.12-slim-bookworm
COPY --from=build /tmp /tmp
#> foundry-model: BY101@4
