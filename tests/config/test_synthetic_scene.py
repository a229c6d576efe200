"""``synthetic_data.scene``: parsed strictly, mapped onto the generator's SceneParams, and a
dataset generated with other scene ranges is refused instead of silently reused."""

import json

import pytest

from s2hand.config import ConfigError, config_from_dict
from s2hand.config.schema import SyntheticDataConfig
from s2hand.data import DataError
from s2hand.data.synthetic import SceneParams, scene_for
from s2hand.data.synthetic.ho3d_layout import HO3D_SCENE

BASE = {"freihand_base_path": "/nowhere"}


def synthetic_scene(synth, root):
    return scene_for(synth.layout, synth.scene.overrides(), root)


def synth(**scene):
    return config_from_dict({**BASE, "synthetic_data": {"scene": scene}}).synthetic_data


def test_unset_scene_is_the_layout_default(tmp_path):
    cfg = config_from_dict(BASE | {"synthetic_data": {}}).synthetic_data
    assert cfg.scene.overrides() == {}
    assert synthetic_scene(cfg, tmp_path) == SceneParams()
    ho3d = SyntheticDataConfig.model_validate({"layout": "ho3d"})
    assert synthetic_scene(ho3d, tmp_path) == HO3D_SCENE


def test_scene_keys_map_onto_scene_params(tmp_path):
    s = synth(pose_comps=2, pose_std=2, shape_std=0.0, in_plane_deg=10.0, tilt_deg=5.0,
              yaw_deg=5.0, back_prob=0.0)
    scene = synthetic_scene(s, tmp_path)
    assert (scene.pose_comps, scene.pose_std, scene.back_prob, scene.in_plane_deg) == (2, 2.0, 0.0,
                                                                                         10.0)
    assert scene.focal == SceneParams().focal  # untouched keys keep the default


def test_scene_override_from_command_line():
    cfg = config_from_dict(BASE | {"synthetic_data": {}},
                           overrides=["synthetic_data.scene.pose_comps=3"])
    assert cfg.synthetic_data.scene.overrides() == {"pose_comps": 3}


@pytest.mark.parametrize("scene, word", [({"pose_cmps": 2}, "pose_cmps"),
                                         ({"back_prob": 1.5}, "back_prob"),
                                         ({"pose_comps": 0}, "pose_comps"),
                                         ({"in_plane_deg": "10"}, "in_plane_deg")])
def test_bad_scene_values_are_named(scene, word):
    with pytest.raises(ConfigError, match=word):
        synth(**scene)


def test_dataset_with_other_scene_is_refused(tmp_path):
    marker = {"layout": "freihand", "scene": json.loads(json.dumps(
        SceneParams(pose_comps=2).__dict__))}
    (tmp_path / "synthetic.json").write_text(json.dumps(marker))
    assert synthetic_scene(synth(pose_comps=2), tmp_path).pose_comps == 2
    with pytest.raises(DataError, match="pose_comps: 2 on disk, 3 wanted"):
        synthetic_scene(synth(pose_comps=3), tmp_path)


def test_camera_keys_map_onto_scene_params(tmp_path):
    s = synth(focal=[575, 575], depth=[0.6, 0.7], center_jitter=0.0, principal_jitter=0.0)
    scene = synthetic_scene(s, tmp_path)
    assert (scene.focal, scene.depth) == ((575.0, 575.0), (0.6, 0.7))
    assert (scene.center_jitter, scene.principal_jitter) == (0.0, 0.0)


@pytest.mark.parametrize("scene, word", [({"focal": [650, 500]}, "focal"),
                                         ({"depth": [0.0, 0.5]}, "depth"),
                                         ({"depth": [0.5]}, "depth"),
                                         ({"center_jitter": -1}, "center_jitter")])
def test_bad_camera_ranges_are_named(scene, word):
    with pytest.raises(ConfigError, match=word):
        synth(**scene)
