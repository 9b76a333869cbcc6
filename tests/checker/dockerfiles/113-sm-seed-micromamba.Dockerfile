# Reconstructed from the seed (AWS "Dockerfile specifications" page, example 1), which
# prints the Dockerfile on one line; here with its original line breaks.
FROM mambaorg/micromamba:latest
ARG NB_USER="sagemaker-user"
ARG NB_UID=1000
ARG NB_GID=100
USER root
RUN micromamba install -y --name base -c conda-forge sagemaker-code-editor
USER $NB_UID
CMD eval "$(micromamba shell hook --shell=bash)"; \
    micromamba activate base; \
    sagemaker-code-editor --host 0.0.0.0 --port 8888 \
    --without-connection-token \
    --base-path "/CodeEditor/default"
#> sagemaker-code-editor: BY102@3 SM206@3 SM203@9 SM212@14
