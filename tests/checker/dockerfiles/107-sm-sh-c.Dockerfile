FROM mambaorg/micromamba:2.3.0-debian12-slim
USER 1000:100
WORKDIR /home/sagemaker-user
CMD ["/bin/bash", "-lc", "micromamba run -n base sagemaker-code-editor --host 0.0.0.0 --port 8888 --without-connection-token --base-path /CodeEditor/default"]
#> sagemaker-code-editor: SM212@4
