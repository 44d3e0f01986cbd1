"""Biologically inspired recurrent vision models (DRC, BL) for Keras 3 / TensorFlow 2."""
from setuptools import find_packages, setup

# Console commands installed by pip, each running the same library function as its script in
# scripts/ with the same flags (docs/cli.md is generated from this list; keep it a literal).
CONSOLE_SCRIPTS = [
    "drc-training = drc.drc_cli:cli",
    "cifar-style = drc.console:cifar_style",
    "drc-demo = drc.console:demo",
    "drc-table1 = drc.console:table1",
    "drc-selectivity = drc.console:selectivity",
    "drc-visuals = drc.console:visuals",
    "drc-results = drc.console:results",
    "convrnn-train = convrnn_bl.console:train",
    "convrnn-test = convrnn_bl.console:test",
    "convrnn-speed-accuracy = convrnn_bl.console:speed_accuracy",
    "convrnn-create-subset-image-directories = convrnn_bl.console:create_subset_image_directories",
    "convrnn-reformat-test-data-dir = convrnn_bl.console:reformat_test_data_dir",
    "bl-speed-accuracy = convrnn_bl.console:bl_speed_accuracy",
    "cordsnet-main-training-1-compatibility = cordsnet.console:main_training_1_compatibility",
    "cordsnet-main-training-1-folding = cordsnet.console:main_training_1_folding",
    "cordsnet-main-training-2-inverse = cordsnet.console:main_training_2_inverse",
    "cordsnet-main-training-3-linear = cordsnet.console:main_training_3_linear",
    "cordsnet-main-training-4-parametric = cordsnet.console:main_training_4_parametric",
    "cordsnet-main-training-5-finetune = cordsnet.console:main_training_5_finetune",
    "cordsnet-compute-eigenvalues = cordsnet.console:compute_eigenvalues",
    "cordsnet-results = cordsnet.console:results",
    "cordsnet-main = cordsnet.console:main",
    "cordsnet-run-own-image = cordsnet.console:run_own_image",
    "cordsnet-compute-eigenvector = cordsnet.console:compute_eigenvector",
    "rsrnn-train = rsrnn.console:train",
    "rsrnn-adv-attack = rsrnn.console:adv_attack",
    "rsrnn-results = rsrnn.console:results",
    "whatwhere-train-what = whatwhere.console:train_what",
    "whatwhere-train-where = whatwhere.console:train_where",
    "whatwhere-train-transformer = whatwhere.console:train_transformer",
    "whatwhere-benchmark = whatwhere.console:benchmark",
    "whatwhere-pictures = whatwhere.console:pictures",
    "whatwhere-results = whatwhere.console:results",
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
