FROM python:3.12.12-slim-bookworm
CMD ["python3"]
#> foundry-model: BY101@1
