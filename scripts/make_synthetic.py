#!/usr/bin/env python
"""Render a synthetic FreiHAND- or HO3D-layout dataset (see ``--help`` and docs/datasets.md)."""

import sys

from s2hand.cli.make_synthetic import main

if __name__ == "__main__":
    sys.exit(main())
