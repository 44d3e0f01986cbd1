"""The original's ``dataset/dataset_utils.py`` names, so ``from drc.dataset_utils import ...``
replaces ``from dataset.dataset_utils import ...`` in existing scripts."""
from drc.generator import DRC_dataset_generator
from drc.movies import bad_res101, bad_res102, generate_drc_images
from drc.trajectories import create_trajectory, vonmises_walk_offsets as vonmises_walk

__all__ = ["DRC_dataset_generator", "bad_res101", "bad_res102", "create_trajectory", "generate_drc_images",
           "vonmises_walk", "dataset_preprocessing"]


def dataset_preprocessing(train, test, dataset_norm, resnet_mode=False):
    """See ``drc.core.preprocessing.dataset_preprocessing``."""
    from drc.core.preprocessing import dataset_preprocessing as preprocess

    return preprocess(train, test, dataset_norm, resnet_mode)
