# Reconstructed from the Foundry documentation (container-backed models: a Python
# HTTP server the model adapter calls on localhost).
FROM python:3.11-slim

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .

USER 5001
EXPOSE 8080
CMD ["python", "app.py"]
#> foundry-model: clean
