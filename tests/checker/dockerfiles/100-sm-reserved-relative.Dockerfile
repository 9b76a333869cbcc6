FROM public.ecr.aws/sagemaker/sagemaker-distribution:4.2.0-cpu
USER root
WORKDIR /var/log
RUN touch studio/app.log
USER 1000:100
WORKDIR /home/sagemaker-user
ENTRYPOINT ["entrypoint-code-editor"]
#> sagemaker-code-editor: SM207@4
