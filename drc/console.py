"""Console commands (setup.py's ``CONSOLE_SCRIPTS``) whose library main needs the scripts'
``run_cli`` wrapping: known errors as one line with exit code 2, an exit status for pip's
launcher. Each runs what its script in scripts/ runs, with the same flags."""
from drc.core.cli import run_cli


def cifar_style(argv=None):
    """``cifar-style``: ``python scripts/cifar_style.py`` (train a DRC teacher)."""
    from drc.teacher_cli import INTERRUPT_HINT, main

    run_cli(main, argv, prog="cifar_style.py", interrupt_hint=INTERRUPT_HINT)
    return 0
