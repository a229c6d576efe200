#!/usr/bin/env python
"""Render a synthetic DeepHandMesh subject in the original layout (see ``--help`` and
docs/deephandmesh.md)."""

import sys

from s2hand.cli.make_dhm_synthetic import main

if __name__ == "__main__":
    sys.exit(main())
