FROM python:3.12.12-slim-bookworm
COPY <<EOF /etc/app.conf
listen=0.0.0.0:8080
EOF
COPY --chmod=0755 <<-"SCRIPT" /usr/local/bin/run-app
	#!/bin/sh
	exec python3 -m http.server 8080
	SCRIPT
USER 5001
ENTRYPOINT ["/usr/local/bin/run-app"]
#> foundry-model: clean
