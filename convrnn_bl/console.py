"""BL's console commands (setup.py's ``CONSOLE_SCRIPTS``): each runs what its script in
scripts/convrnn/ (or scripts/experiments/bl_speed_accuracy.py) runs, with the same flags,
one-line errors and exit code 2 (drc.core.cli.run_cli)."""
from drc.core.cli import run_cli


def _run(name, argv, prog):
    from convrnn_bl import commands

    run_cli(getattr(commands, name), argv, prog=prog)
    return 0


def train(argv=None):
    """``convrnn-train``: ``python scripts/convrnn/train.py``."""
    return _run("train_main", argv, "train.py")


def test(argv=None):
    """``convrnn-test``: ``python scripts/convrnn/test.py``."""
    return _run("predict_main", argv, "test.py")


def speed_accuracy(argv=None):
    """``convrnn-speed-accuracy``: ``python scripts/convrnn/speed_accuracy.py``."""
    return _run("speed_accuracy_main", argv, "speed_accuracy.py")


def create_subset_image_directories(argv=None):
    """``convrnn-create-subset-image-directories``: ``python scripts/convrnn/create_subset_image_directories.py``."""
    return _run("create_subset_image_directories_main", argv, "create_subset_image_directories.py")


def reformat_test_data_dir(argv=None):
    """``convrnn-reformat-test-data-dir``: ``python scripts/convrnn/reformat_test_data_dir.py``."""
    return _run("reformat_test_data_dir_main", argv, "reformat_test_data_dir.py")


def bl_speed_accuracy(argv=None):
    """``bl-speed-accuracy``: ``python scripts/experiments/bl_speed_accuracy.py``."""
    return _run("bl_speed_accuracy_main", argv, "bl_speed_accuracy.py")
