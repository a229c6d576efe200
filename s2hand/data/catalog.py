"""The dataset catalog: every dataset a config may name, and what differs between them. No torch.

One entry per dataset; nothing else in the project spells a dataset's name to decide what to
do. The configuration reads it for the names, root keys, per-dataset keys and valid queries;
:func:`s2hand.data.build_dataset` for the class; :func:`s2hand.data.normalize_batch` for the
``texture_con`` rule; the experiment for the evaluation convention and GT files.

To add a dataset: write its ``Dataset`` class (per-sample dicts with the original query names,
a ``build(root, split, queries, options)`` classmethod), add a ``texture_con`` rule to
:mod:`s2hand.data.batch` if it needs a new one, add an entry here, and add its root key to
:class:`s2hand.config.ExperimentConfig`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

# Evaluation ground truth (evaluation.md §1-2): FreiHAND and HO3D both release it as these files
# in the dataset root.
EVAL_GT_FILES = ("evaluation_xyz.json", "evaluation_verts.json")


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset of the catalog.

    Attributes:
        name: config name (``train_datasets`` / ``val_datasets``).
        root_key: config key of its root folder.
        train_queries_key: config key of its own training queries (overrides ``train_queries``
            when non-empty).
        losses_key: config key of its own loss list (overrides ``losses`` for its batches when
            non-empty), or ``None``.
        queries: original query names a config may ask of it (§4.2-4.3).
        image_queries: queries that must be present so that the network gets an image and its
            intrinsics: ``"a|b"`` means either.
        convention: ``"freihand"`` or ``"ho3d"``: evaluation convention (joint order and
            frame of ``pred.json``, score keys) and synthetic-data layout.
        texture_con: name of the per-image appearance-weight rule in
            :data:`s2hand.data.batch.TEXTURE_CON_RULES` (§3.2).
        builder: ``"module:Class"`` of its ``Dataset``.
        eval_gt_files: files in the root whose presence means the evaluation split has 3D GT.
        eval_gt_queries: queries added to an evaluation split that has GT (for metrics).
        label_free_scores: its evaluation split is scored without 3D GT (reprojection to the
            detections, agreement of the 2D branch, photometric error), in ``scores.json``.
    """

    name: str
    root_key: str
    train_queries_key: str
    losses_key: str | None
    queries: frozenset[str]
    image_queries: tuple[str, ...]
    convention: str
    texture_con: str
    builder: str
    eval_gt_files: tuple[str, ...] = EVAL_GT_FILES
    eval_gt_queries: tuple[str, ...] = ("joints", "verts")
    label_free_scores: bool = False


_FREIHAND = DatasetSpec(
    name="FreiHand",
    root_key="freihand_base_path",
    train_queries_key="train_queries_frei",
    losses_key="losses_frei",
    queries=frozenset({
        "images", "Ks", "scales", "manos", "joints", "verts", "open_2dj", "masks", "CRFmasks",
        "trans_images", "trans_Ks", "trans_open_2dj", "trans_joints", "trans_verts",
        "trans_masks", "trans_CRFmasks",
    }),
    image_queries=("images|trans_images", "Ks|trans_Ks"),
    convention="freihand",
    texture_con="freihand_versions",
    builder="s2hand.data.freihand:FreiHandDataset",
)
# ``images``, ``Ks`` and ``joints`` are accepted for HO3D because the shipped configs list them
# (no-ops there: HO3D is always cropped, and GT joints come with every training sample). The
# original's unused ``base_masks``, ``base_depths``, ``trans_masks`` and ``trans_depth`` are
# not supported. Q2: HO3D delivers its crop only through trans_images/trans_Ks; the original's
# HO3D/SSL-e2e.json validated with "images"/"Ks" and crashed at the first test epoch.
_HO3D = DatasetSpec(
    name="HO3D",
    root_key="ho3d_base_path",
    train_queries_key="train_queries_ho3d",
    losses_key=None,
    queries=frozenset({
        "images", "Ks", "joints", "trans_images", "trans_Ks", "open_2dj", "trans_open_2dj",
        "trans_joints2d", "base_images",
    }),
    image_queries=("trans_images", "trans_Ks"),
    convention="ho3d",
    texture_con="mean_confidence",
    builder="s2hand.data.ho3d:HO3DDataset",
)

# A user's own unlabeled images and videos (docs/folder.md): always cropped around the detected
# hand, like HO3D, so ``images``/``Ks``/``open_2dj`` are the crop too. No 3D GT ever: its
# held-out part is scored without labels. pred.json is written in the FreiHAND format.
_FOLDER = DatasetSpec(
    name="Folder",
    root_key="folder_base_path",
    train_queries_key="train_queries_folder",
    losses_key=None,
    queries=frozenset({"images", "Ks", "open_2dj", "trans_images", "trans_Ks",
                       "trans_open_2dj"}),
    image_queries=("images|trans_images", "Ks|trans_Ks"),
    convention="freihand",
    texture_con="mean_confidence",
    builder="s2hand.data.folder:FolderDataset",
    eval_gt_files=(),
    eval_gt_queries=(),
    label_free_scores=True,
)

#: name -> DatasetSpec (RHD, Obman and FHB are dead paths in the original, §4.6).
DATASETS: Mapping[str, DatasetSpec] = MappingProxyType({d.name: d for d in (_FREIHAND, _HO3D,
                                                                        _FOLDER)})
DATASET_NAMES: frozenset[str] = frozenset(DATASETS)
#: Every query any dataset accepts.
QUERY_NAMES: frozenset[str] = frozenset().union(*(d.queries for d in DATASETS.values()))


def dataset_spec(name: str) -> DatasetSpec:
    """The catalog entry of ``name``; ``ValueError`` naming the valid ones otherwise."""
    spec = DATASETS.get(name)
    if spec is None:
        raise ValueError(f"unknown dataset {name!r}; expected one of {sorted(DATASETS)}")
    return spec


def by_convention(convention: str) -> DatasetSpec:
    """The entry whose ``convention`` (synthetic layout) is ``convention``."""
    for spec in DATASETS.values():
        if spec.convention == convention:
            return spec
    raise ValueError(f"no dataset has the layout {convention!r}")
