"""Synthetic FreiHAND/HO3D-layout datasets rendered from the hand model, with GT and noisy
OpenPose-format detections (see docs/datasets.md)."""

from s2hand.data.synthetic.generate import ensure_synthetic, generate_synthetic, scene_for
from s2hand.data.synthetic.noise import DetectionNoise, noisy_detections
from s2hand.data.synthetic.scene import SceneParams

__all__ = ["DetectionNoise", "SceneParams", "ensure_synthetic", "generate_synthetic",
           "noisy_detections", "scene_for"]
