FROM public.ecr.aws/sagemaker/sagemaker-distribution:4.2.0-cpu
ENV AWS_REGION=eu-west-1 SAGEMAKER_APP_TYPE=CodeEditor MY_REGION=eu-west-1
USER 1000:100
WORKDIR /home/sagemaker-user
ENTRYPOINT ["entrypoint-code-editor"]
#> sagemaker-code-editor: SM213@2 SM213@2
