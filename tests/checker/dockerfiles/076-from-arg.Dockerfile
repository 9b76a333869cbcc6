ARG BASE=python:3.12.12-slim-bookworm
ARG TAG=latest
FROM $BASE AS ok
FROM debian:${TAG}
USER 5001
#> foundry-model: BY102@4
