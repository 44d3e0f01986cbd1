"""The command line of scripts/rsrnn/results.py (and of the ``rsrnn-results`` console command)."""
from drc.core.cli import ArgumentParser


def results_main(argv=None):
    """``results.py``: the five models on the MNIST canvas task, attacked per step; tables and figures."""
    parser = ArgumentParser(prog="results.py", description="RS-RNN's CPU-scale results (RESULTS.md): the five models "
                                                           "trained and attacked per step, resumable.")
    parser.add_argument("--out", default="results/rsrnn")
    parser.add_argument("--quick", action="store_true", help="a tiny scale that checks the pipeline in minutes")
    parser.add_argument("--overwrite", action="store_true", help="train and attack every model again")
    args = parser.parse_args(argv)
    from rsrnn.experiments import run_results

    print(run_results(args.out, quick=args.quick, overwrite=args.overwrite).to_string(index=False))
    return 0
