"""img_wise_save: single-image PNGs of one sample at input resolution."""

import matplotlib.image as mpimg
import torch

from s2hand.data import HandBatch
from s2hand.methods.s2hand.figures import save_per_image
from s2hand.models import S2HandOutput


def test_per_image_pngs_written_for_the_data_present(tmp_path):
    B, H = 2, 32
    batch = HandBatch(images=torch.rand(B, 3, H, H), intrinsics=torch.eye(3).expand(B, 3, 3),
                      sample_ids=torch.arange(B), dataset=["FreiHand"] * B,
                      detections=torch.rand(B, 21, 2) * H, detection_conf=torch.ones(B, 21))
    output = S2HandOutput(joints_2d=torch.rand(B, 21, 2) * H,
                          rendered_silhouette=torch.rand(B, H, H))
    paths = save_per_image(tmp_path / "per_images", "0001_0000002", batch, output, index=1)
    names = sorted(p.name for p in paths)
    assert names == [f"0001_0000002_{n}.png"
                     for n in sorted(["raw_img", "detect_kp", "proj_kp", "re_sil"])]
    assert all(p.is_file() for p in paths)
    assert mpimg.imread(paths[0]).shape[:2] == (H, H)
