"""What/Where's console commands (setup.py's ``CONSOLE_SCRIPTS``): each runs what its script in
scripts/whatwhere/ runs, with the same flags, one-line errors and exit code 2 (drc.core.cli.run_cli)."""
from drc.core.cli import run_cli

RESUME_HINT = "rerun the same command to resume"


def _run(main, argv, **kwargs):
    run_cli(lambda args: main(args, **kwargs), argv, interrupt_hint=RESUME_HINT)
    return 0


def train_what(argv=None):
    """``whatwhere-train-what``: ``python scripts/whatwhere/train_what.py``."""
    from whatwhere.cli import train_main

    return _run(train_main, argv, model="what")


def train_where(argv=None):
    """``whatwhere-train-where``: ``python scripts/whatwhere/train_where.py``."""
    from whatwhere.cli import train_main

    return _run(train_main, argv, model="where")


def train_transformer(argv=None):
    """``whatwhere-train-transformer``: ``python scripts/whatwhere/train_transformer.py``."""
    from whatwhere.cli import train_main

    return _run(train_main, argv)


def benchmark(argv=None):
    """``whatwhere-benchmark``: ``python scripts/whatwhere/benchmark.py``."""
    from whatwhere.cli import benchmark_main

    return _run(benchmark_main, argv)


def pictures(argv=None):
    """``whatwhere-pictures``: ``python scripts/whatwhere/pictures.py``."""
    from whatwhere.cli import pictures_main

    return _run(pictures_main, argv)


def results(argv=None):
    """``whatwhere-results``: ``python scripts/whatwhere/results.py``."""
    from whatwhere.cli import results_main

    return _run(results_main, argv)
