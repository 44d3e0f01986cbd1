"""RS-RNN's console commands (setup.py's ``CONSOLE_SCRIPTS``): each runs what its script in
scripts/rsrnn/ runs, with the same flags, one-line errors and exit code 2 (drc.core.cli.run_cli)."""
from drc.core.cli import run_cli

RESUME_HINT = "run the same command again to resume"


def train(argv=None):
    """``rsrnn-train``: ``python scripts/rsrnn/train.py``."""
    from rsrnn.cli import train_main

    return run_cli(train_main, argv, prog="train.py", interrupt_hint=RESUME_HINT)


def adv_attack(argv=None):
    """``rsrnn-adv-attack``: ``python scripts/rsrnn/adv_attack.py``."""
    from rsrnn.cli import attack_main

    return run_cli(attack_main, argv, prog="adv_attack.py")


def results(argv=None):
    """``rsrnn-results``: ``python scripts/rsrnn/results.py``."""
    from rsrnn.results_cli import results_main

    return run_cli(results_main, argv, prog="results.py")
