FROM public.ecr.aws/sagemaker/sagemaker-distribution:4.2.0-cpu
USER root
COPY config.json /opt/ml/config.json
RUN mkdir -p /var/log/studio/myapp \
 && cat /opt/ml/metadata/resource-metadata.json
RUN echo hello > /opt/.sagemakerinternal/marker
VOLUME /opt/ml/cache
USER 1000:100
WORKDIR /home/sagemaker-user
ENTRYPOINT ["entrypoint-code-editor"]
#> sagemaker-code-editor: SM207@3 SM207@4 SM207@6 SM207@7
