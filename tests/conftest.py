"""pytest configuration: the tests folder is importable (support, lint, engine)."""
