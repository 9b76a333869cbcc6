FROM python:3.12.12-slim-bookworm
    # an indented comment
	# a tab-indented comment
RUN echo hi
USER 5001
#> foundry-model: clean
