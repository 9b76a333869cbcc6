FROM debian:12.8-slim
RUN useradd --uid 1000 --gid 100 --create-home --home-dir /home/sagemaker-user sagemaker-user
USER 1000
WORKDIR /home/sagemaker-user
CMD ["sagemaker-code-editor", "--host", "0.0.0.0", "--port", "8888", "--without-connection-token", "--base-path", "/codeeditor/default"]
#> sagemaker-code-editor: clean
