"""DeepHandMesh's training step, test pass, metrics, figures and checkpoints (typed settings,
no config). See docs/deephandmesh_training.md."""
