from python:3.12.12-slim-bookworm as base
run pip install --no-cache-dir flask
copy --chown=5001 app.py /app/
user 5001
workdir /app
expose 8080
cmd ["python3", "app.py"]
#> foundry-model: clean
