#!/usr/bin/env python
"""Train or evaluate S2HAND: ``python examples/train.py --config_json FILE [--set k=v] [--check]``.

Same entry point and flag as the original S2HAND; installed as ``s2hand-train`` too.
"""

import sys

from s2hand.cli.train import main

if __name__ == "__main__":
    sys.exit(main())
