FROM public.ecr.aws/sagemaker/sagemaker-distribution:4.2.0-cpu
ENTRYPOINT ["entrypoint-code-editor"]
#> sagemaker-code-editor: clean
