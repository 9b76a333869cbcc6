{% set a = answers() %}
{% if a.ca_cert_files %}
# Extra CA certificates (e.g. a TLS-inspecting proxy's), trusted by every download
# below and at run time: added to the system bundle, which pip, requests, curl,
# micromamba and Node (extension installs) are pointed at.
COPY certs/ {{ a.ca.image_dir }}/
RUN if command -v update-ca-certificates >/dev/null 2>&1; then update-ca-certificates; \
    else cat {{ a.ca.image_dir }}/*.crt >> {{ a.ca.bundle }}; fi
ENV SSL_CERT_FILE={{ a.ca.bundle }} \
    REQUESTS_CA_BUNDLE={{ a.ca.bundle }} \
    PIP_CERT={{ a.ca.bundle }} \
    CURL_CA_BUNDLE={{ a.ca.bundle }} \
    NODE_EXTRA_CA_CERTS={{ a.ca.bundle }}

{% endif %}
