"""Run a detector over the images of one detection file, resumably."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from s2hand.data.errors import DataError
from s2hand.data.io import read_image
from s2hand.detect.detection import Detector, best_hand, missing_hand
from s2hand.detect.layouts import DetectionJob
from s2hand.detect.openpose_file import PartialResults


@dataclass
class JobStats:
    """What one run did: images detected now, resumed from an earlier run, with a hand,
    unreadable (written as missing hands, listed in ``unreadable``)."""

    detected: int = 0
    resumed: int = 0
    with_hand: int = 0
    unreadable: list[str] = field(default_factory=list)


def run_job(detector: Detector, job: DetectionJob, header: dict, batch_size: int = 8,
            side: str | None = None, progress: Callable[[int], object] | None = None
            ) -> JobStats:
    """Detect every image of ``job`` not yet in its partial file and write ``job.out``.

    Per image the best hand (of ``side`` when given) is kept; an image without one, or one
    that cannot be read, gets zero-confidence joints. ``progress(n)`` is called per batch.
    """
    partial = PartialResults(job.out, header)
    stats = JobStats(resumed=sum(n in partial.done for n in job.names))
    todo = [(n, p) for n, p in zip(job.names, job.images, strict=True) if n not in partial.done]
    if progress is not None and stats.resumed:
        progress(stats.resumed)
    for start in range(0, len(todo), batch_size):
        batch = todo[start:start + batch_size]
        readable, images = [], []
        for name, path in batch:
            try:
                images.append(read_image(Path(path)))
                readable.append(name)
            except DataError as err:
                stats.unreadable.append(f"{err}")
                partial.add(name, *missing_hand())
        for name, hands in zip(readable, detector(images), strict=True):
            hand = best_hand(hands, side)
            if hand is None:
                partial.add(name, *missing_hand())
            else:
                partial.add(name, hand.xy, hand.conf)
                stats.with_hand += 1
        stats.detected += len(batch)
        if progress is not None:
            progress(len(batch))
    partial.finish(job.out, job.names)
    return stats
