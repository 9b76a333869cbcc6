FROM python:3.12.12-slim-bookworm
# Backslashes followed by spaces or tabs still continue the line (BuildKit trims
# them), so the package lines below belong to the RUN, not to instructions of
# their own.
RUN apt-get update \ 
 && apt-get install -y --no-install-recommends \	
        curl \  	 
        ca-certificates \	 
 && rm -rf /var/lib/apt/lists/*
USER 5001
CMD ["python3", "-m", "http.server", \ 
     "8080"]
#> foundry-model: clean
#> foundry-byoc: clean
