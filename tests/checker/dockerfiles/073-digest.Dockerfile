FROM python@sha256:0a5e0e3dee29c5b0a9da6f1b4d3fba2e6c5bbaa8e1f1a9d3b7e4b3e9a3f1c2d4
USER 5001
#> foundry-model: clean
