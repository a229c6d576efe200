"""Nested sections of the experiment config: ``synthetic_data`` (with its ``scene``) and
``augmentation``; the path type every section uses."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

# allow_inf_nan=False: JSON's NaN/Infinity (and 1e309, which parses to inf) are refused for every
# float key (learning rates, loss weights, weight decay, ...).
STRICT = ConfigDict(extra="forbid", strict=True, validate_default=True, allow_inf_nan=False)


def resolve_path(value: Any) -> Any:
    """Relative paths are taken against the current working directory, once, at load time."""
    if isinstance(value, str | os.PathLike):
        if str(value).strip() == "":
            raise ValueError('must not be empty (write null for "no path")')
        return Path(os.path.abspath(os.path.expanduser(str(value))))
    return value


PathValue = Annotated[Path, BeforeValidator(resolve_path), Field(strict=False)]


class SyntheticSceneConfig(BaseModel):
    """Overrides of the generator's scene ranges (``s2hand.data.synthetic.SceneParams``).

    Every key left null keeps the generator's default for the layout, so ``{}`` is the
    default scene. Angles are in degrees.
    """

    model_config = STRICT

    pose_comps: int | None = Field(
        None, ge=1, le=45, description="Hand-pose PCA components drawn (default 12)."
    )
    pose_std: float | None = Field(
        None, ge=0.0, description="Std of each drawn PCA coefficient (default 0.9)."
    )
    shape_std: float | None = Field(None, ge=0.0, description="Std of the betas (default 1).")
    in_plane_deg: float | None = Field(
        None, ge=0.0, le=180.0, description="In-plane rotation drawn from U(-r, r) (default 90)."
    )
    tilt_deg: float | None = Field(
        None, ge=0.0, le=180.0, description="Tilt about the image x axis, U(-t, t) (default 35)."
    )
    yaw_deg: float | None = Field(
        None, ge=0.0, le=180.0, description="Yaw about the image y axis, U(-y, y) (default 50)."
    )
    back_prob: float | None = Field(
        None, ge=0.0, le=1.0, description="Probability of a back-of-hand view (default 0.5)."
    )
    focal: list[float] | None = Field(
        None, min_length=2, max_length=2,
        description="Focal length range in pixels, [min, max] (default [500, 650]).",
    )
    depth: list[float] | None = Field(
        None, min_length=2, max_length=2,
        description="Hand distance range in metres, [min, max] (default [0.5, 0.8]).",
    )
    center_jitter: float | None = Field(
        None, ge=0.0, description="Std of the hand centre's offset from the image centre, "
        "pixels (default 12)."
    )
    principal_jitter: float | None = Field(
        None, ge=0.0, description="Std of the principal point's offset, pixels (default 3)."
    )

    @field_validator("focal", "depth")
    @classmethod
    def _range(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and not 0.0 < value[0] <= value[1]:
            raise ValueError(f"expected [min, max] with 0 < min <= max, got {list(value)}")
        return value

    def overrides(self) -> dict[str, int | float | tuple[float, float]]:
        """The keys that are set, as ``SceneParams`` keyword arguments."""
        return {k: tuple(v) if isinstance(v, list) else v
                for k, v in self.model_dump().items() if v is not None}


class SyntheticDataConfig(BaseModel):
    """Generated stand-in dataset, written to the dataset root on first use."""

    model_config = STRICT

    num_train: int = Field(256, ge=1, description="Number of training samples generated.")
    num_eval: int = Field(32, ge=1, description="Number of evaluation samples generated.")
    seed: int = Field(0, description="Seed of the generator (same seed, same files).")
    layout: Literal["freihand", "ho3d"] = Field(
        "freihand", description="Folder layout written: FreiHAND_pub_v2-like or HO3D-like."
    )
    scene: SyntheticSceneConfig = Field(
        default_factory=SyntheticSceneConfig,
        description="Scene ranges of the generator; unset keys keep its defaults.",
    )


class AugmentationConfig(BaseModel):
    """Training-time image augmentation (applied to ``trans_*`` queries)."""

    model_config = STRICT

    rotation_deg: float = Field(
        180.0,
        ge=0.0,
        le=180.0,
        description="In-plane rotation drawn from U(-r, r) degrees; 180 = original U(-pi, pi).",
    )
    scale_jitter: float = Field(
        0.0, ge=0.0, lt=1.0, description="Crop scale drawn from U(1-s, 1+s); 0 = original (none)."
    )
    translation_jitter_px: float = Field(
        0.0, ge=0.0, description="Crop centre shift drawn from U(-t, t) pixels; 0 = none."
    )
    color_jitter: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="Brightness/contrast/saturation factors drawn from U(1-c, 1+c); 0 = none.",
    )
