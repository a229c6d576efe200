"""Installation script for s2hand."""

from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).resolve().parent


def read_requirements(name: str) -> list[str]:
    lines = (HERE / name).read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith(("#", "-r"))]


setup(
    name="s2hand",
    version="0.1.0",
    description="Self-supervised 3D hand reconstruction (S2HAND) in PyTorch, CPU and GPU",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["s2hand", "s2hand.*"]),
    package_data={"s2hand": ["hand/assets/*.npz", "hand/assets/deephandmesh_open/*"]},
    include_package_data=True,
    install_requires=read_requirements("requirements.txt"),
    extras_require={"dev": read_requirements("requirements-dev.txt")},
    entry_points={
        "console_scripts": [
            "s2hand-train=s2hand.cli.train:main",
            "s2hand-eval=s2hand.cli.evaluate:main",
            "s2hand-make-synthetic=s2hand.cli.make_synthetic:main",
            "s2hand-convert-mano=s2hand.cli.convert_mano:main",
            "s2hand-make-table=s2hand.cli.make_table:main",
            "s2hand-detect=s2hand.cli.detect:main",
            "s2hand-predict=s2hand.cli.predict:main",
            "s2hand-dhm-demo=s2hand.cli.dhm_demo:main",
            "s2hand-make-dhm-synthetic=s2hand.cli.make_dhm_synthetic:main",
        ]
    },
)
