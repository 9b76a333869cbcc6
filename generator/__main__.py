"""``python -m generator`` runs the ``byoi`` command."""

import sys

from generator.entry import main

sys.exit(main())
