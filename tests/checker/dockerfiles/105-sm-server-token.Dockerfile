FROM mambaorg/micromamba:2.3.0-debian12-slim
USER 1000:100
WORKDIR /home/sagemaker-user
CMD ["sagemaker-code-editor", "--host", "0.0.0.0", "--port", "8888", "--connection-token", "abc", "--base-path", "/codeeditor/default"]
#> sagemaker-code-editor: SM211@4
