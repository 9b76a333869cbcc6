FROM mambaorg/micromamba:2.3.0-debian12-slim
USER 1000:100
WORKDIR /home/sagemaker-user
ENTRYPOINT ["sagemaker-code-editor", "--host", "0.0.0.0"]
CMD ["--port", "8888", "--without-connection-token"]
#> sagemaker-code-editor: SM212@4
