FROM public.ecr.aws/sagemaker/sagemaker-distribution:4.2.0-cpu
ENV WORK=/home/sagemaker-user/work
USER 1000:100
WORKDIR $WORK
ENTRYPOINT ["entrypoint-code-editor"]
#> sagemaker-code-editor: clean
