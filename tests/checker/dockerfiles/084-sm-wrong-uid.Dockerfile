FROM public.ecr.aws/sagemaker/sagemaker-distribution:4.2.0-cpu
USER 1001:100
WORKDIR /home/sagemaker-user
ENTRYPOINT ["entrypoint-code-editor"]
#> sagemaker-code-editor: SM201@2
