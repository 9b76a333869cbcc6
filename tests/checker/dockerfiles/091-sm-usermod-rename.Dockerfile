FROM mambaorg/micromamba:2.3.0-debian12-slim
USER root
RUN usermod --login sagemaker-user --home /home/sagemaker-user --move-home \
        --uid 1000 --gid 100 mambauser \
 && groupdel mambauser
USER sagemaker-user
WORKDIR /home/sagemaker-user
CMD ["sagemaker-code-editor", "--host", "0.0.0.0", "--port", "8888", "--without-connection-token", "--base-path", "/codeeditor/default"]
#> sagemaker-code-editor: clean
