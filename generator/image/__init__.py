"""Built images: read them without a daemon (``archive``, ``layers``, ``tree``), check them against a
platform's rules (``rules``, ``check``) and run them the way the platform does (``verify``).

Nothing here is imported by ``byoi check``: the Dockerfile checker starts without it.
"""
