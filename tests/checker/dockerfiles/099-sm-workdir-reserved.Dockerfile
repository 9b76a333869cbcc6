FROM public.ecr.aws/sagemaker/sagemaker-distribution:4.2.0-cpu
USER 1000:100
WORKDIR /opt/ml
ENTRYPOINT ["entrypoint-code-editor"]
#> sagemaker-code-editor: SM205@3 SM207@3
