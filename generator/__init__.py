"""byoi: write container images that SageMaker Studio and Palantir Foundry accept."""

#: The version of byoi, raised with every user-visible change (semantic versioning); its
#: entry in CHANGELOG.md says what changed (a test holds the newest entry equal to it).
__version__ = "0.3.0"
