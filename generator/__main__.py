"""``python -m generator`` runs the ``byoi`` command."""

import sys

from generator.cli import main

sys.exit(main())
