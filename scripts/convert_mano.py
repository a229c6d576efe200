#!/usr/bin/env python
"""Convert an official MANO ``.pkl`` to a chumpy-free ``.npz`` (= ``s2hand-convert-mano``)."""

import sys

from s2hand.cli.convert_mano import main

if __name__ == "__main__":
    sys.exit(main())
