# byoi global ignore=BY102,SM206
FROM mambaorg/micromamba:latest
USER 1000:100
CMD ["sagemaker-code-editor", "--host", "0.0.0.0", "--port", "8888", "--without-connection-token", "--base-path", "/codeeditor/default"]
#> sagemaker-code-editor: clean
