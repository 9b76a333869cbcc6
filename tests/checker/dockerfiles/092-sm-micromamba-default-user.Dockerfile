FROM mambaorg/micromamba:2.3.0-debian12-slim
RUN micromamba install -y -n base -c conda-forge sagemaker-code-editor
WORKDIR /home/sagemaker-user
CMD ["sagemaker-code-editor", "--host", "0.0.0.0", "--port", "8888", "--without-connection-token", "--base-path", "/codeeditor/default"]
#> sagemaker-code-editor: SM201@1 SM202@1
