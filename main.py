"""Run Evidence Annotator from a source checkout: same as the `annotator` command."""

import sys

from annotator.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
