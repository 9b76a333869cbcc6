FROM python:3.12.12-slim-bookworm
RUN echo one \

    && echo two \

    && echo three
USER 5001
#> foundry-model: clean
