"""CordsNet's console commands (setup.py's ``CONSOLE_SCRIPTS``): each runs what its script in
scripts/cordsnet/ runs, with the same flags, one-line errors and exit code 2 (drc.core.cli.run_cli)."""
from drc.core.cli import run_cli

RESUME_HINT = "run the same command again to resume"


def _stage(stage, argv):
    from cordsnet.training.cli import main

    run_cli(lambda args: main(stage, args), argv, interrupt_hint=RESUME_HINT)
    return 0


def main_training_1_compatibility(argv=None):
    """``cordsnet-main-training-1-compatibility``."""
    return _stage("compatibility", argv)


def main_training_1_folding(argv=None):
    """``cordsnet-main-training-1-folding``."""
    return _stage("folding", argv)


def main_training_2_inverse(argv=None):
    """``cordsnet-main-training-2-inverse``."""
    return _stage("inverse", argv)


def main_training_3_linear(argv=None):
    """``cordsnet-main-training-3-linear``."""
    return _stage("linear", argv)


def main_training_4_parametric(argv=None):
    """``cordsnet-main-training-4-parametric``."""
    return _stage("parametric", argv)


def main_training_5_finetune(argv=None):
    """``cordsnet-main-training-5-finetune``."""
    return _stage("finetune", argv)


def compute_eigenvalues(argv=None):
    """``cordsnet-compute-eigenvalues``: ``python scripts/cordsnet/compute_eigenvalues.py``."""
    from cordsnet.cli import eigenvalues_main

    run_cli(eigenvalues_main, argv)
    return 0


def results(argv=None):
    """``cordsnet-results``: ``python scripts/cordsnet/cordsnet_results.py``."""
    from cordsnet.cli import results_main

    run_cli(results_main, argv)
    return 0


def main(argv=None):
    """``cordsnet-main``: ``python scripts/cordsnet/main.py``."""
    from cordsnet.cli import main_main

    run_cli(main_main, argv)
    return 0


def run_own_image(argv=None):
    """``cordsnet-run-own-image``: ``python scripts/cordsnet/run_own_image.py``."""
    from cordsnet.cli import own_image_main

    run_cli(own_image_main, argv)
    return 0


def compute_eigenvector(argv=None):
    """``cordsnet-compute-eigenvector``: ``python scripts/cordsnet/compute_eigenvector.py``."""
    from cordsnet.cli import eigenvector_main

    run_cli(eigenvector_main, argv)
    return 0
