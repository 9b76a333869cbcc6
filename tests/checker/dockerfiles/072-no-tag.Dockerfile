FROM python
USER 5001
#> foundry-model: BY102@1
