"""Images in, hands out: crops, a hand-model fit to 2D keypoints and/or the network, outputs.

See docs/predict.md and ``s2hand-predict`` (:mod:`s2hand.cli.predict`).
"""
