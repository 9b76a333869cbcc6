# Reconstructed from the Foundry documentation (bring-your-own-container transforms:
# an image with a few tools and the required user 5001).
FROM ubuntu:latest

RUN apt update && apt install -y coreutils curl python3 && useradd --uid 5001 user

USER 5001
#> foundry-byoc: BY102@3
