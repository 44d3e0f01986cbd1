"""Speed-accuracy analysis of test.py's softmax scores (run test.py with --save_scores first).

python speed_accuracy.py --scores M/model/results/scores_{tag}.npz --out_dir OUT
[--human_csv H.csv [--condition C]] [--n_thresholds 41]

Writes OUT/speed_accuracy_curve.csv (entropy-threshold curve), speed_accuracy_steps.csv
(accuracy and FLOPs per time step), speed_accuracy_metrics.json (with the SATBench metrics
when human data are given) and speed_accuracy.png.
"""
import _bootstrap  # noqa: F401

from convrnn_bl.commands import speed_accuracy_main as main
from drc.core.cli import run_cli

if __name__ == "__main__":
    run_cli(main, prog="speed_accuracy.py")
