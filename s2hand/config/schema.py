"""Typed schema of one experiment (an S2HAND JSON config plus our additions).

Every key of the original's JSON configs (s2hand.md §1.2) keeps its name and meaning, so an
original config works once its paths are fixed. Values are checked strictly: a string where a
number belongs is an error, not a silent conversion. Cross-key rules live in ``checks.py``;
path existence in ``paths.py`` (only ``load_config`` checks paths, so tests and the engine can
build configs that point nowhere).

To add a key: add one ``Field`` in the section it belongs to (with a description: the docs
test checks that ``docs/configuration.md`` mentions every key).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)

from s2hand.data.catalog import DATASETS
from s2hand.experiment.methods import METHOD_NAMES
from s2hand.losses.terms import weight_keys

from .deephandmesh import DeepHandMeshConfig
from .errors import did_you_mean
from .folder_section import FolderConfig
from .names import DATASET_NAMES, ENCODER_NAMES, LOSS_NAMES, QUERY_NAMES, REQUIRE_NAMES
from .sections import STRICT, AugmentationConfig, PathValue, SyntheticDataConfig, resolve_path


def _name_in(kind: str, valid: frozenset[str]):
    def check(name: str) -> str:
        if name not in valid:
            hint = did_you_mean(name, valid) or f" (valid: {', '.join(sorted(valid))})"
            raise ValueError(f'unknown {kind} "{name}"{hint}')
        return name

    return AfterValidator(check)


def _resolve_unless_auto(value: Any) -> Any:
    return value if value == "auto" else resolve_path(value)


def _as_list(value: Any) -> Any:
    # The original writes ``"mode": ["training"]``; a bare string is accepted too.
    return [value] if isinstance(value, str) else value


LossName = Annotated[str, _name_in("loss", LOSS_NAMES)]
QueryName = Annotated[str, _name_in("query", QUERY_NAMES)]
DatasetName = Annotated[str, _name_in("dataset", DATASET_NAMES)]
RequireName = Annotated[str, _name_in("require", REQUIRE_NAMES)]
PosInt = Annotated[int, Field(ge=1)]



class _RunDataModelOptim(BaseModel):
    """The keys before the loss weights (so that the resolved config keeps its key order)."""

    model_config = STRICT

    # ---- what to run (§1.2) ----------------------------------------------------------------
    mode: Annotated[list[Literal["training", "evaluation"]], BeforeValidator(_as_list)] = Field(
        ["training"],
        min_length=1,
        max_length=1,
        description='["training"] (train, test every save_interval epochs) or ["evaluation"].',
    )
    mode_0: Any = Field(
        None,
        description="Accepted and ignored (stray key in the original FreiHAND evaluation.json).",
    )
    method: Literal[tuple(sorted(METHOD_NAMES))] = Field(  # type: ignore[valid-type]
        "s2hand", description='Method assembled from this config; "s2hand" (the original\'s '
        'configs have no such key and get it) or "deephandmesh" (its keys in "deephandmesh").'
    )
    deephandmesh: DeepHandMeshConfig | None = Field(
        None, description='DeepHandMesh\'s own keys (required with "method": "deephandmesh").'
    )
    task: Literal["train", "hm_train"] = Field(
        "train", description='"train": full model; "hm_train": only the 2D heat-map branch.'
    )

    # ---- data (§1.2, §4) ---------------------------------------------------------------------
    train_datasets: list[DatasetName] = Field(["FreiHand"], description="Training datasets.")
    val_datasets: list[DatasetName] = Field(["FreiHand"], description="Validation/test datasets.")
    freihand_base_path: PathValue | None = Field(None, description="FreiHAND_pub_v2 root folder.")
    ho3d_base_path: PathValue | None = Field(None, description="HO3D root folder.")
    ho3d_version: Literal["v2", "v3"] = Field("v2", description="HO3D release of ho3d_base_path.")
    folder_base_path: PathValue | None = Field(
        None, description="Folder of unlabeled images/videos of the Folder dataset."
    )
    folder: FolderConfig = Field(
        default_factory=FolderConfig, description="How the Folder dataset is read (docs/folder.md)."
    )
    train_queries: list[QueryName] = Field(
        ["images", "Ks", "joints", "open_2dj"], description="Training queries (all datasets)."
    )
    train_queries_frei: list[QueryName] = Field(
        [], description="FreiHand training queries; overrides train_queries when non-empty."
    )
    train_queries_ho3d: list[QueryName] = Field(
        [], description="HO3D training queries; overrides train_queries when non-empty."
    )
    train_queries_folder: list[QueryName] = Field(
        [], description="Folder training queries; overrides train_queries when non-empty."
    )
    val_queries: list[QueryName] = Field(
        ["images", "Ks", "joints", "open_2dj"], description="Validation/test queries."
    )
    controlled_exp: bool = Field(False, description="Train on the first controlled_size samples.")
    controlled_size: PosInt = Field(3000, description="Samples kept when controlled_exp (total).")
    semi_ratio: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="FreiHAND: this fraction of samples uses GT 2D instead of detections.",
    )
    synthetic_data: SyntheticDataConfig | None = Field(
        None, description="Generate a synthetic dataset at the dataset root if it is missing."
    )
    augmentation: AugmentationConfig = Field(
        default_factory=AugmentationConfig, description="Training-time augmentation."
    )
    fail_on_bad_image: bool = Field(
        False, description="Stop on an unreadable sample instead of skipping it with a warning."
    )
    image_size: int = Field(224, ge=32, multiple_of=32, description="Network input size (px).")

    # ---- model (§1.3, §2) --------------------------------------------------------------------
    train_requires: list[RequireName] = Field(
        ["joints", "verts"], description="Outputs computed in training (also: sub-nets built)."
    )
    test_requires: list[RequireName] = Field(
        ["joints", "verts"], description="Outputs computed in testing (also: sub-nets built)."
    )
    hand_model: PathValue | None = Field(
        None, description="MANO_RIGHT.pkl or converted .npz; null = shipped open hand model."
    )
    use_mean_shape: bool = Field(True, description="Fix MANO betas to 0 as the original (Q1).")
    renderer: Literal["torch", "nr"] = Field(
        "torch", description='"torch" (built-in) or "nr" (optional neural_renderer backend).'
    )
    encoder: Literal[ENCODER_NAMES] = Field(  # type: ignore[valid-type]
        "efficientnet-b3", description='Image encoder of the 3D branch: "efficientnet-b3" (the '
        'original) or "small-cnn" (a 5-stage plain CNN for CPU-sized runs, e.g. the demo).'
    )
    encoder_input_size: int | None = Field(
        None, ge=32, description="Side the encoder resizes its input images to; null = the "
        "image size (the original)."
    )
    encoder_weights: PathValue | None = Field(
        None, description="Local EfficientNet-b3 ImageNet weights for the encoder; null = random."
    )
    pretrain_model: PathValue | None = Field(None, description="Checkpoint to initialise from.")
    pretrain_rgb2hm: PathValue | None = Field(None, description="Checkpoint with an rgb2hm part.")
    pretrain_texture_model: PathValue | None = Field(
        None, description="Checkpoint with a texture_light_from_low part."
    )
    freeze_hm_estimator: bool = Field(True, description="Freeze the 2D branch (rgb2hm) if built.")
    only_train_regressor: bool = Field(False, description="Freeze encoder and hand decoder.")
    only_train_texture: bool = Field(False, description="Freeze rgb2hm, encoder, hand decoder.")

    # ---- optimisation (§1.5) -----------------------------------------------------------------
    losses: list[LossName] = Field(["mscale"], description="Loss terms summed in training.")
    losses_frei: list[LossName] = Field(
        [], description="Loss terms for FreiHand batches; overrides losses when non-empty."
    )
    total_epochs: int = Field(100, ge=0, description="Epochs in this run.")
    init_lr: float = Field(1e-3, ge=0.0, description="Learning rate (> 0 in training).")
    lr_steps: list[PosInt] = Field([50], description="MultiStepLR milestones (epochs, increasing).")
    lr_gamma: float = Field(0.5, gt=0.0, le=1.0, description="MultiStepLR factor.")
    optimizer: Literal["Adam", "AdamW", "SGD"] = Field(
        "Adam", description="Optimiser (SGD: momentum 0.9)."
    )
    weight_decay: float | None = Field(
        None, ge=0.0, description="Weight decay; null = 0 for Adam/SGD, 0.01 for AdamW."
    )
    train_batch: PosInt = Field(8, description="Training batch size.")
    val_batch: PosInt = Field(8, description="Validation batch size.")
    num_workers: int = Field(8, ge=0, description="DataLoader worker processes.")
    max_iters_per_epoch: PosInt | None = Field(None, description="Cap iterations per epoch.")
    amp: bool = Field(False, description="Mixed precision on CUDA.")
    max_bad_batches: int = Field(
        10, ge=0, description="Batches with a non-finite loss skipped before the run stops."
    )


# ---- loss weights (§3.2-3.3): one ``lambda_*`` key per weight key of the loss table -----------
_LossWeightKeys = create_model(
    "_LossWeightKeys",
    __base__=_RunDataModelOptim,
    **{key: (float, Field(default, ge=0.0, description=text))
       for key, (default, text) in weight_keys().items()},
)


class ExperimentConfig(_LossWeightKeys):  # type: ignore[misc, valid-type]
    """One experiment: what to run, on which data, with which model, losses and optimiser."""

    # ---- run control, outputs, logging (§5) --------------------------------------------------
    seed: int = Field(0, description="Seed of every random generator.")
    device: str = Field("auto", description='"auto", "cpu", "cuda" or "cuda:N".')
    base_out_path: PathValue = Field(Path("outputs/debug"), description="Output root folder.")
    save_interval: PosInt = Field(1, description="Test, checkpoint and dump every N epochs.")
    resume: Annotated[
        Annotated[Path, Field(strict=False)] | Literal["auto"] | None,
        BeforeValidator(_resolve_unless_auto),
    ] = Field(None, description='Checkpoint to resume (optimiser too), "auto" = latest in output.')
    keep_last_checkpoints: int = Field(3, ge=0, description="Checkpoints kept; 0 = all.")
    is_write_tb: bool = Field(False, description="Write TensorBoard logs.")
    writer_topic: str = Field("/runs/debug/", description="TensorBoard sub-folder (under CWD).")
    print_freq: PosInt = Field(100, description="Console log period (iterations).")
    demo_freq: int = Field(100, ge=0, description="Training figure period (iterations); 0 = off.")
    demo_freq_evaluation: int = Field(
        100, ge=0, description="Test figure period (iterations); 0 = off."
    )
    img_wise_save: bool = Field(False, description="Also save per-image PNGs and multi-views.")
    export_obj: bool = Field(False, description="Write predicted meshes as .obj in tests.")
    save_2d: bool = Field(False, description="Save 2D keypoint error curves (needs GT 2D).")
    test_refinement: bool = Field(False, description="Test-time MANO fitting to the 2D branch.")
    test_refinement_steps: PosInt = Field(151, description="Iterations of test_refinement.")

    # ---- validators --------------------------------------------------------------------------
    @field_validator("device")
    @classmethod
    def _device(cls, value: str) -> str:
        if not re.fullmatch(r"auto|cpu|cuda(:\d+)?", value):
            raise ValueError(f'must be "auto", "cpu", "cuda" or "cuda:N", got "{value}"')
        return value

    @field_validator("lr_steps")
    @classmethod
    def _increasing(cls, steps: list[int]) -> list[int]:
        if any(b <= a for a, b in zip(steps, steps[1:], strict=False)):
            raise ValueError(f"must be strictly increasing epoch numbers, got {steps}")
        return steps

    @field_validator("hand_model")
    @classmethod
    def _hand_suffix(cls, path: Path | None) -> Path | None:
        if path is not None and path.suffix not in (".pkl", ".npz"):
            raise ValueError(f"must be a .pkl (MANO_RIGHT.pkl) or .npz file, got {path.name}")
        return path

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> ExperimentConfig:
        # ``load_config`` runs these itself to report them as separate lines.
        if info.context and info.context.get("skip_cross_checks"):
            return self
        from .checks import cross_problems

        problems = cross_problems(self)
        if problems:
            raise ValueError("; ".join(f"{p.path}: {p.message}" for p in problems))
        return self

    # ---- derived values ----------------------------------------------------------------------
    @property
    def run_mode(self) -> str:
        """``"training"`` or ``"evaluation"``."""
        return self.mode[0]

    @property
    def all_requires(self) -> set[str]:
        """Sub-networks to build: ``train_requires ∪ test_requires`` (§1.3)."""
        return set(self.train_requires) | set(self.test_requires)

    def loss_weights(self) -> dict[str, float]:
        """Every ``lambda_*`` weight by its key."""
        return {key: getattr(self, key) for key in weight_keys()}

    def train_queries_key(self, dataset: str) -> str:
        """The key that sets ``dataset``'s training queries: its own key when non-empty (§1.2)."""
        own = DATASETS[dataset].train_queries_key
        return own if getattr(self, own) else "train_queries"

    def train_queries_for(self, dataset: str) -> list[str]:
        """Training queries of one dataset (per-dataset list when non-empty, §1.2)."""
        return list(getattr(self, self.train_queries_key(dataset)))

    def losses_for(self, dataset: str) -> list[str]:
        """Loss names used for batches of one dataset (e.g. ``losses_frei`` for FreiHand, §3.1)."""
        own = DATASETS[dataset].losses_key
        return list((getattr(self, own) if own else None) or self.losses)

    def dataset_root(self, dataset: str) -> Path | None:
        """Root folder configured for a dataset name."""
        return getattr(self, DATASETS[dataset].root_key)

    def datasets_used(self) -> list[str]:
        """Catalog dataset names this run loads (training also runs test passes); none for
        DeepHandMesh, whose dataset is in its own section."""
        if self.method == "deephandmesh":
            return []
        names = list(self.val_datasets)
        if self.run_mode == "training":
            names = list(self.train_datasets) + names
        return list(dict.fromkeys(names))
