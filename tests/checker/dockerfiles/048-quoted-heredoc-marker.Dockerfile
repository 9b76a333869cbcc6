FROM python:3.12.12-slim-bookworm
RUN echo "<<EOF is just text here"
USER 5001
#> foundry-model: clean
