"""The platforms' rules, declared once: one module a platform, plain data."""
