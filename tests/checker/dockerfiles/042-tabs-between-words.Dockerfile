FROM	python:3.12.12-slim-bookworm	AS	base
RUN	echo	tabs
USER	5001
#> foundry-model: clean
