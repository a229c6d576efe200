import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from data_fixtures import write_freihand, write_ho3d  # noqa: E402


@pytest.fixture(scope="session")
def freihand(tmp_path_factory):
    root = tmp_path_factory.mktemp("freihand")
    return root, write_freihand(root)


@pytest.fixture(scope="session")
def ho3d(tmp_path_factory):
    root = tmp_path_factory.mktemp("ho3d")
    return root, write_ho3d(root)
