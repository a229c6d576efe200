"""The ``deephandmesh`` section of an experiment config (``"method": "deephandmesh"``).

DeepHandMesh's own keys: its dataset in the original layout (or a synthetic subject generated
there on first use), the hand model, the backbone, which correctives are learned (the
ablation) and the loss weights under the original's ``config.py`` names. The schedule (epochs,
``init_lr``, ``lr_steps``, ``lr_gamma``, ``train_batch``), the seed, outputs and checkpoints
are the shared top-level keys.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from .sections import STRICT, PathValue


class DHMSyntheticConfig(BaseModel):
    """A synthetic subject written to ``deephandmesh.root`` when it holds no dataset yet
    (``s2hand-make-dhm-synthetic`` with these settings)."""

    model_config = STRICT

    sequences: int = Field(3, ge=2, description="Sequences generated (the last ones held out).")
    frames: int = Field(16, ge=1, description="Frames per sequence.")
    cameras: int = Field(12, ge=6, description="Colour cameras of the rig (>= 6 depth views).")
    heldout: int = Field(1, ge=1, description="Last sequences marked held out (the test split).")
    seed: int = Field(0, description="Seed of the poses.")
    identity_seed: int = Field(0, description="Seed of the subject's identity (bone lengths, "
                               "skin offsets).")
    depth_dtype: Literal["float32", "float16"] = Field(
        "float16", description="dtype of the pickled depth maps.")


class DHMCorrectivesConfig(BaseModel):
    """Which correctives are learned; a switched-off one stays zero (plain skinning there)."""

    model_config = STRICT

    skeleton: bool = Field(True, description="Skeleton corrective (identity bone offsets).")
    identity: bool = Field(True, description="Identity-dependent skin corrective.")
    pose: bool = Field(True, description="Pose-dependent skin corrective.")


class DeepHandMeshConfig(BaseModel):
    """Keys only DeepHandMesh reads (docs/deephandmesh_training.md)."""

    model_config = STRICT

    root: PathValue = Field(description="Dataset root in the original layout (images/, "
                          "annotations/); a synthetic subject is generated here when "
                          "'synthetic' is set and the folder is missing or empty.")
    subject: str = Field("4", pattern=r"^[A-Za-z0-9]+$", description="Subject id.")
    num_views: int = Field(6, ge=1, description="Depth views per training sample "
                           "(render_view_num).")
    test_sequences: list[str] | None = Field(
        None, description="Held-out sequences (test split, excluded from training); null = the "
        "held-out sequences of <root>/synthetic.json, or every sequence (the original's test "
        "list) for a real dataset.")
    max_test_samples: int | None = Field(
        None, ge=1, description="Test on this many held-out samples, evenly spaced; null = all.")
    synthetic: DHMSyntheticConfig | None = Field(
        None, description="Generate a synthetic subject at root if it has no dataset yet.")
    hand_model: PathValue | None = Field(
        None, description="Hand-model folder (six files); null = the shipped open model.")
    backbone: Literal["resnet50", "small-cnn"] = Field(
        "resnet50", description='Image backbone: "resnet50" (the original) or "small-cnn" '
        "(s2hand's 5-stage CNN, for CPU-sized runs).")
    backbone_input_size: int | None = Field(
        None, ge=32, description="small-cnn only: side the 256x256 crop is resized to; null = "
        "256.")
    pose_source: Literal["network", "ground_truth"] = Field(
        "network", description='"network": DeepHandMesh (angles from the image). '
        '"ground_truth": a synthetic subject\'s angles replace the network\'s (no backbone '
        "is built): a diagnostic that trains the skeleton and skin correctives alone.")
    correctives: DHMCorrectivesConfig = Field(
        default_factory=DHMCorrectivesConfig, description="Correctives learned (the ablation).")
    loss_penet_r_weight: float = Field(1.0, ge=0.0, description="Rigid penetration weight.")
    loss_penet_nr_weight: float = Field(5.0, ge=0.0, description="Non-rigid penetration weight.")
    loss_lap_weight: float = Field(5.0, ge=0.0, description="Laplacian weight (original 5).")
    loss_depth_weight: float = Field(1.0, ge=0.0, description="Depth-map loss weight (original "
                                     "1).")
    loss_joint_weight: float = Field(1.0, ge=0.0, description="Joint loss weight (original 1).")
