"""Console commands (setup.py's ``CONSOLE_SCRIPTS``) whose library main needs the scripts'
``run_cli`` wrapping: known errors as one line with exit code 2, an exit status for pip's
launcher. Each runs what its script in scripts/ runs, with the same flags."""
from drc.core.cli import run_cli


def cifar_style(argv=None):
    """``cifar-style``: ``python scripts/cifar_style.py`` (train a DRC teacher)."""
    from drc.teacher_cli import INTERRUPT_HINT, main

    run_cli(main, argv, prog="cifar_style.py", interrupt_hint=INTERRUPT_HINT)
    return 0


def demo(argv=None):
    """``drc-demo``: ``python scripts/demo.py`` (the README demo)."""
    from drc.demo_cli import main

    run_cli(main, argv, prog="demo.py")
    return 0


def table1(argv=None):
    """``drc-table1``: ``python scripts/experiments/drc_table1.py``."""
    from drc.experiments.cli import table1_main

    run_cli(table1_main, argv, prog="drc_table1.py")
    return 0


def selectivity(argv=None):
    """``drc-selectivity``: ``python scripts/experiments/drc_selectivity.py``."""
    from drc.experiments.cli import selectivity_main

    run_cli(selectivity_main, argv, prog="drc_selectivity.py")
    return 0


def visuals(argv=None):
    """``drc-visuals``: ``python scripts/experiments/drc_visuals.py``."""
    from drc.experiments.cli import visuals_main

    run_cli(visuals_main, argv, prog="drc_visuals.py")
    return 0


def results(argv=None):
    """``drc-results``: ``python scripts/experiments/run_all.py`` (the parts run as the installed
    console commands); exits with the code of the first part that fails."""
    from drc.experiments.cli import results_main

    return run_cli(results_main, argv, prog="run_all.py")

