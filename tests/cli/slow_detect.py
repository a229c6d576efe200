"""``s2hand-detect`` with a registered backend ``slow`` that finds no hand in 0.05 s per image
(the signal tests need a detector that works for a while; the real one is an optional extra)."""

import sys
import time

from s2hand.cli.detect import main
from s2hand.detect import register_backend


def slow(**_options):
    def detect(images):
        time.sleep(0.05 * len(images))
        return [[] for _ in images]

    return detect


if __name__ == "__main__":
    register_backend("slow", slow)
    sys.exit(main())
