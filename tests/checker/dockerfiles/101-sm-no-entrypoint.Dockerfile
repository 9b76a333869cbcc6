FROM public.ecr.aws/sagemaker/sagemaker-distribution:4.2.0-cpu
RUN micromamba install -y -n base -c conda-forge scrapy
USER 1000:100
WORKDIR /home/sagemaker-user
#> sagemaker-code-editor: SM208@1
