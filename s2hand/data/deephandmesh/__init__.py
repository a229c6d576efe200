"""The DeepHandMesh dataset in its original layout: readers of ``KRT_512``, ``.pts`` keypoints
and depth-map pickles (restricted unpickler), crops, and the training/testing dataset."""

from s2hand.data.deephandmesh.crop import bbox_affine, joint_bbox, warp
from s2hand.data.deephandmesh.dataset import NUM_VIEWS, DeepHandMeshDataset
from s2hand.data.deephandmesh.depth_map import depth_map_bytes, read_depth_map
from s2hand.data.deephandmesh.keypoints import PTS_JOINT_NAMES, format_pts, read_pts
from s2hand.data.deephandmesh.krt import KRTCamera, format_krt, read_krt
from s2hand.data.deephandmesh.layout import (
    IMAGE_HW,
    DHMLayout,
    frame_of,
    list_frames,
    select_cameras,
    select_sequences,
)

__all__ = [
    "IMAGE_HW", "NUM_VIEWS", "PTS_JOINT_NAMES", "DHMLayout", "DeepHandMeshDataset", "KRTCamera",
    "bbox_affine", "depth_map_bytes", "format_krt", "format_pts", "frame_of", "joint_bbox",
    "list_frames", "read_depth_map", "read_krt", "read_pts", "select_cameras",
    "select_sequences", "warp",
]
