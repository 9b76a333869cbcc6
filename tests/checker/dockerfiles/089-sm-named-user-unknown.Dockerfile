FROM debian:12.8-slim
USER coder
WORKDIR /home/sagemaker-user
CMD ["sagemaker-code-editor", "--host", "0.0.0.0", "--port", "8888", "--without-connection-token", "--base-path", "/codeeditor/default"]
#> sagemaker-code-editor: SM204@2
