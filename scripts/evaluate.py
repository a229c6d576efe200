#!/usr/bin/env python
"""Thin wrapper: same as ``s2hand-eval`` (see ``s2hand/cli/evaluate.py``)."""

import sys

from s2hand.cli.evaluate import main

if __name__ == "__main__":
    sys.exit(main())
