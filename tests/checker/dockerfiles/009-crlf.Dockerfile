FROM python:3.12.12-slim-bookworm
RUN echo a \
 && echo b
USER 5001
CMD ["python3"]
#> foundry-model: clean
