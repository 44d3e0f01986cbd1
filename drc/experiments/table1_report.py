"""Table 1's outputs from its rows: the per-condition summary, a markdown table next to the
paper's CIFAR numbers, and a bar plot with error bars.

Rows (``table1.csv``) hold one condition x seed each, with ``test_accuracy`` in [0, 1].
Summaries give percentages: the mean over seeds and the sample standard deviation (0 for one seed).
"""
import numpy as np
import pandas as pd

from drc.experiments.conditions import CONDITIONS

DATASET_TITLES = {"fashion_mnist": "Fashion-MNIST", "fashion_mnist_subset": "Fashion-MNIST (bundled subset)",
                  "cifar10": "CIFAR-10", "cifar100": "CIFAR-100"}


def summarize(rows):
    """One line per condition (table order): label, n_seeds, mean and std (%), the paper's numbers."""
    rows = pd.DataFrame(rows)
    lines = []
    for condition in CONDITIONS:
        acc = rows.loc[rows["condition"] == condition.name, "test_accuracy"].astype(float).to_numpy() * 100
        if not len(acc):
            continue
        lines.append({"condition": condition.name, "setting": condition.label, "n_seeds": len(acc),
                      "mean": float(np.mean(acc)), "std": float(np.std(acc, ddof=1)) if len(acc) > 1 else 0.0,
                      "paper_cifar10": condition.paper[0], "paper_cifar100": condition.paper[1]})
    columns = ["condition", "setting", "n_seeds", "mean", "std", "paper_cifar10", "paper_cifar100"]
    return pd.DataFrame(lines, columns=columns)


def _paper(value):
    return "-" if value is None or (isinstance(value, float) and np.isnan(value)) else f"{value:.2f}"


def markdown_table(summary, dataset, size, res):
    """The summary as a markdown table: ours (mean +- std over seeds) next to the paper's CIFAR."""
    title = DATASET_TITLES.get(dataset, dataset)
    head = (f"| setting | ours: {title}, {size}x{size} -> {res}x{res} sensor (% test accuracy, mean ± std "
            f"over seeds) | seeds | paper CIFAR-10 (32 -> 8) | paper CIFAR-100 |")
    lines = [head, "|---|---|---|---|---|"]
    for line in summary.itertuples():
        lines.append(f"| {line.setting} | {line.mean:.2f} ± {line.std:.2f} | {line.n_seeds} | "
                     f"{_paper(line.paper_cifar10)} | {_paper(line.paper_cifar100)} |")
    return "\n".join(lines) + "\n"
