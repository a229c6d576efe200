"""DeepHandMesh's four training losses as pure functions (deephandmesh.md §6-7): joint L1,
multi-view depth smooth-L1, bone-sphere penetration, uniform Laplacian; and their total."""

from s2hand.losses.deephandmesh.depth import (
    crop_to_ndc,
    depth_map_loss,
    render_crop_depth,
    world_to_crop,
)
from s2hand.losses.deephandmesh.joint import joint_l1_loss
from s2hand.losses.deephandmesh.laplacian import (
    mesh_edges,
    uniform_laplacian,
    uniform_laplacian_loss,
)
from s2hand.losses.deephandmesh.penetration import (
    BoneSpheres,
    bone_spheres,
    non_rigid_penetration,
    penetration_loss,
    rigid_penetration,
    sphere_centres,
    sphere_radii,
)
from s2hand.losses.deephandmesh.total import (
    LAPLACIAN_WEIGHT,
    bind_mesh,
    loss_terms,
    render_views,
    total_loss,
)

__all__ = [
    "LAPLACIAN_WEIGHT", "BoneSpheres", "bind_mesh", "bone_spheres", "crop_to_ndc",
    "depth_map_loss", "joint_l1_loss", "loss_terms", "mesh_edges", "non_rigid_penetration",
    "penetration_loss", "render_crop_depth", "render_views", "rigid_penetration",
    "sphere_centres", "sphere_radii", "total_loss", "uniform_laplacian",
    "uniform_laplacian_loss", "world_to_crop",
]
