FROM python:3.12.12-slim-bookworm
   RUN echo leading spaces
	RUN echo leading tab
  USER 5001
#> foundry-model: clean
