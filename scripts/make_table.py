#!/usr/bin/env python
"""Thin wrapper: same as ``s2hand-make-table`` (see ``s2hand/cli/make_table.py``)."""

import sys

from s2hand.cli.make_table import main

if __name__ == "__main__":
    sys.exit(main())
