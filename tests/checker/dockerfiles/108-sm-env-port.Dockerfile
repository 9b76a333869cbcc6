FROM mambaorg/micromamba:2.3.0-debian12-slim
ENV CE_PORT=8888 CE_BASE=/codeeditor/default
USER 1000:100
WORKDIR /home/sagemaker-user
CMD exec sagemaker-code-editor --host 0.0.0.0 --port "$CE_PORT" --without-connection-token --base-path "${CE_BASE}"
#> sagemaker-code-editor: clean
