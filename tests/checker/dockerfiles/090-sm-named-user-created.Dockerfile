FROM debian:12.8-slim
ARG NB_UID=1000
ARG NB_GID=100
RUN useradd -u "$NB_UID" -g "$NB_GID" -m coder
USER coder
WORKDIR /home/sagemaker-user
CMD ["sagemaker-code-editor", "--host", "0.0.0.0", "--port", "8888", "--without-connection-token", "--base-path", "/codeeditor/default"]
#> sagemaker-code-editor: clean
