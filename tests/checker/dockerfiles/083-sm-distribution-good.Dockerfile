FROM public.ecr.aws/sagemaker/sagemaker-distribution:4.2.0-cpu
RUN micromamba install -y --name base -c conda-forge scrapy \
 && micromamba clean --all --yes
USER 1000:100
WORKDIR /home/sagemaker-user
ENTRYPOINT ["entrypoint-code-editor"]
#> sagemaker-code-editor: clean
