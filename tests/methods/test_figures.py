"""img_wise_save: single-image PNGs of one sample at input resolution."""

import matplotlib.image as mpimg
import torch

from s2hand.methods.s2hand.figures import save_per_image
from s2hand.models import S2HandOutput


def test_per_image_pngs_written_for_the_data_present(tmp_path):
    B, H = 2, 32
    batch = {"images": torch.rand(B, 3, H, H), "open_2dj": torch.rand(B, 21, 2) * H,
             "open_2dj_con": torch.ones(B, 21)}
    output = S2HandOutput(j2d=torch.rand(B, 21, 2) * H, re_sil=torch.rand(B, H, H))
    paths = save_per_image(tmp_path / "per_images", "0001_0000002", batch, output, index=1)
    names = sorted(p.name for p in paths)
    assert names == [f"0001_0000002_{n}.png"
                     for n in sorted(["raw_img", "detect_kp", "proj_kp", "re_sil"])]
    assert all(p.is_file() for p in paths)
    assert mpimg.imread(paths[0]).shape[:2] == (H, H)
