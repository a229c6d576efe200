"""A DeepHandMesh hand model (the six files of ``data/hand_model/``) as one frozen dataclass.

Directory layout (deephandmesh.md §2): ``hand.obj`` (cm), ``skeleton.txt``,
``skinning_weight.txt``, ``local_pose.txt``, ``global_pose.txt``, ``global_pose_inv.txt``
(mm). ``hand.fbx`` is never read. ``load_dhm_hand_model()`` with no path gives the shipped open
model (generated from OpenHand by ``scripts/make_dhm_hand_model.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from s2hand.hand.deephandmesh.errors import HandModelFileError
from s2hand.hand.deephandmesh.obj import read_obj, write_obj
from s2hand.hand.deephandmesh.skeleton import NUM_JOINTS, KinematicTree, dof_mask, kinematic_tree
from s2hand.hand.deephandmesh.text_files import (
    read_pose_file,
    read_skeleton,
    read_skinning_weights,
    write_pose_file,
    write_skeleton,
    write_skinning_weights,
)

MESH_FILE = "hand.obj"
SKELETON_FILE = "skeleton.txt"
WEIGHTS_FILE = "skinning_weight.txt"
POSE_FILES = {"local_pose": "local_pose.txt", "global_pose": "global_pose.txt",
              "global_pose_inv": "global_pose_inv.txt"}
FILE_NAMES = (MESH_FILE, SKELETON_FILE, WEIGHTS_FILE, *POSE_FILES.values())


def default_dhm_hand_model_dir() -> Path:
    """The shipped open DeepHandMesh hand model (made from OpenHand)."""
    return Path(__file__).resolve().parent.parent / "assets" / "deephandmesh_open"


@dataclass(frozen=True)
class DHMHandModel:
    """A rigged DeepHandMesh template, float64 numpy arrays, millimetres.

    Attributes:
        vertices: ``(V, 3)`` bind-pose mesh in model space (mm; the OBJ's cm times 10).
        faces: ``(F, 3)`` int64; uvs ``(Vt, 2)``; uv_faces ``(F, 3)`` int64 into ``uvs``.
        joint_names: ``J`` names, index = joint id of ``skeleton.txt``.
        parents: ``(J,)`` int64, ``-1`` for the root.
        skinning_weights: ``(V, J)``, rows summing to ~1.
        local_pose: ``(J, 4, 4)`` bind transform of each joint in its parent's frame.
        global_pose: ``(J, 4, 4)`` bind transforms in model space (only the root's is used).
        global_pose_inv: ``(J, 4, 4)`` inverse bind matrices used by skinning.
    """

    vertices: np.ndarray
    faces: np.ndarray
    uvs: np.ndarray
    uv_faces: np.ndarray
    joint_names: tuple[str, ...]
    parents: np.ndarray
    skinning_weights: np.ndarray
    local_pose: np.ndarray
    global_pose: np.ndarray
    global_pose_inv: np.ndarray
    name: str = field(default="DeepHandMesh hand model", compare=False)

    @property
    def num_vertices(self) -> int:
        return len(self.vertices)

    @property
    def num_joints(self) -> int:
        return len(self.joint_names)

    @property
    def tree(self) -> KinematicTree:
        return kinematic_tree(self.parents)

    @property
    def root(self) -> int:
        return self.tree.root

    @property
    def dof(self) -> np.ndarray:
        """``(J, 3)`` int64 rotational DoF mask from the joint names (the original's rule)."""
        return dof_mask(self.joint_names)

    @property
    def segmentation(self) -> np.ndarray:
        """``(V,)`` int64: the joint of largest weight per vertex (the original's argmax)."""
        return self.skinning_weights.argmax(axis=1)

    def replace(self, **changes) -> DHMHandModel:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return DHMHandModel(**values)


def load_dhm_hand_model(directory: str | Path | None = None,
                        num_joints: int = NUM_JOINTS) -> DHMHandModel:
    """Read a hand-model directory (``None``: the shipped open model).

    Raises :class:`HandModelFileError` naming the file (and line and value) on any problem.
    """
    directory = Path(directory) if directory is not None else default_dhm_hand_model_dir()
    if not directory.is_dir():
        raise HandModelFileError(directory, "hand-model directory not found (expected a folder "
                                 f"with {', '.join(FILE_NAMES)})")
    for name in FILE_NAMES:
        if not (directory / name).is_file():
            raise HandModelFileError(directory / name, "file not found (a DeepHandMesh hand "
                                     f"model folder holds {', '.join(FILE_NAMES)})")
    vertices, uvs, faces, uv_faces = read_obj(directory / MESH_FILE)
    names, parents = read_skeleton(directory / SKELETON_FILE, num_joints)
    weights = read_skinning_weights(directory / WEIGHTS_FILE, names, len(vertices))
    poses = {key: read_pose_file(directory / file, names) for key, file in POSE_FILES.items()}
    return DHMHandModel(vertices=vertices, faces=faces, uvs=uvs, uv_faces=uv_faces,
                        joint_names=names, parents=parents, skinning_weights=weights,
                        name=directory.name, **poses)


def save_dhm_hand_model(model: DHMHandModel, directory: str | Path, overwrite: bool = False,
                        digits: int | None = None) -> Path:
    """Write the six files into ``directory`` (created). Existing files are replaced only with
    ``overwrite=True``; each file is written to a temporary name first. ``digits``: significant
    digits of the OBJ and the weights (``None``: exact ``repr``); the pose matrices are always
    written exactly (they are small, and rounding them would break their consistency)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    existing = [name for name in FILE_NAMES if (directory / name).exists()]
    if existing and not overwrite:
        raise FileExistsError(f"{directory} already holds {', '.join(existing)}; pass "
                              "overwrite=True to replace them")
    write_obj(directory / MESH_FILE, model.vertices, model.uvs, model.faces, model.uv_faces,
              digits=digits)
    write_skeleton(directory / SKELETON_FILE, model.joint_names, model.parents)
    write_skinning_weights(directory / WEIGHTS_FILE, model.joint_names, model.skinning_weights,
                           digits=digits)
    for key, file in POSE_FILES.items():
        write_pose_file(directory / file, model.joint_names, getattr(model, key))
    return directory
