"""Every float key of the schema refuses NaN and infinity, however they are written."""

import json

import pytest

from s2hand.config import ConfigError, load_config
from s2hand.config.schema import AugmentationConfig, ExperimentConfig, SyntheticDataConfig


def _float_keys(model, prefix=""):
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if annotation is float or float in getattr(annotation, "__args__", ()):
            yield prefix + name


FLOAT_KEYS = [*_float_keys(ExperimentConfig), *_float_keys(AugmentationConfig, "augmentation."),
              *_float_keys(SyntheticDataConfig, "synthetic_data.")]


def test_lrs_weights_and_decay_are_among_the_checked_keys():
    assert {"init_lr", "weight_decay", "lambda_pose", "lr_gamma"} <= set(FLOAT_KEYS)


@pytest.mark.parametrize("text", ["Infinity", "-Infinity", "NaN", "1e309"])
def test_non_finite_numbers_in_the_file_are_rejected(tmp_path, text):
    path = tmp_path / "cfg.json"
    path.write_text('{"init_lr": %s, "lambda_pose": %s, "weight_decay": %s, '
                    '"augmentation": {"scale_jitter": %s}}' % ((text,) * 4))
    with pytest.raises(ConfigError) as caught:
        load_config(path, check_paths=False)
    lines = str(caught.value).splitlines()
    for key in ("init_lr", "lambda_pose", "weight_decay", "augmentation.scale_jitter"):
        assert any(f'key "{key}" must be a finite number' in line for line in lines), key


@pytest.mark.parametrize("key", [k for k in FLOAT_KEYS if "." not in k])
def test_every_top_level_float_key_via_set(tmp_path, key):
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps({}))
    with pytest.raises(ConfigError, match=f'key "{key}" must be a finite number'):
        load_config(path, [f"{key}=1e309"], check_paths=False)
