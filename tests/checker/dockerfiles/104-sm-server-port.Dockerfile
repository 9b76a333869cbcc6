FROM mambaorg/micromamba:2.3.0-debian12-slim
USER 1000:100
WORKDIR /home/sagemaker-user
CMD ["sagemaker-code-editor", "--host=0.0.0.0", "--port=8080", "--without-connection-token", "--base-path=/codeeditor/default"]
#> sagemaker-code-editor: SM210@4
