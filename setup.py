"""Biologically inspired recurrent vision models (DRC, BL) for Keras 3 / TensorFlow 2."""
from setuptools import find_packages, setup

# Console commands installed by pip, each running the same library function as its script in
# scripts/ with the same flags (docs/cli.md is generated from this list; keep it a literal).
CONSOLE_SCRIPTS = [
    "drc-training = drc.drc_cli:cli",
    "cifar-style = drc.console:cifar_style",
]

setup(
    name="recurrent-vision",
    version="0.1.0",
    description=(
        "Dynamical Recurrent Classifier (drifting low-resolution sensor + ConvGRU student) "
        "and the BL recurrent convnet with its speed-accuracy experiments, in Keras 3."
    ),
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.10",
    packages=find_packages(include=["drc*", "teachers*", "students*", "convrnn_bl*", "cordsnet*", "rsrnn*", "whatwhere*"]),
    package_data={"drc": ["data/*.npz", "data/*.md"]},
    install_requires=[
        "tensorflow>=2.16",
        "keras>=3.0",
        "numpy",
        "h5py",
        "pandas>=2.0",
        "matplotlib",
        "MotionClouds",
        "tqdm",
    ],
    entry_points={"console_scripts": CONSOLE_SCRIPTS},
    extras_require={
        "test": ["pytest", "opencv-python-headless", "mkdocs", "mkdocs-material", "mkdocstrings[python]",
                 "nbclient", "nbformat", "ipykernel", "tqdm"],
        "cuda": ["tensorflow[and-cuda]>=2.16"],
    },
)
