"""`python -m mockserver` is `rivya-mock`."""

import sys

from .cli import main

sys.exit(main())
