"""Foundry compute modules: a local runtime that plays Foundry's part (``runtime``), so that
``byoi verify`` and a generated project's ``test-local.sh`` can run a module without Foundry.
"""
