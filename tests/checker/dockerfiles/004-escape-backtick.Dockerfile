# escape=`
FROM python:3.12.12-slim-bookworm
RUN echo "C:\path\to\thing" `
 && echo done
COPY app\ /app/
USER 5001
#> foundry-model: clean
