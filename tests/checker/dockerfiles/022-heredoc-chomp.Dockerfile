FROM python:3.12.12-slim-bookworm
RUN <<-EOT
	echo tabs are removed
	echo from each line
	EOT
USER 5001
#> foundry-model: clean
