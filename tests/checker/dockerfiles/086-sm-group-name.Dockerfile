FROM public.ecr.aws/sagemaker/sagemaker-distribution:4.2.0-cpu
USER 1000:users
WORKDIR /home/sagemaker-user
ENTRYPOINT ["entrypoint-code-editor"]
#> sagemaker-code-editor: clean
