"""Dockerfiles: a BuildKit-compatible parser and a model of stages, users and paths."""
