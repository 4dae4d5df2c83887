"""`python -m contract_tests` is `rivya-contract`."""

from .cli import main

raise SystemExit(main())
