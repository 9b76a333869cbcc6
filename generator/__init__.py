"""byoi: write container images that SageMaker Studio and Palantir Foundry accept."""

__version__ = "0.1.0"
