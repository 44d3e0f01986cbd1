"""Table 1's outputs from its rows: the per-condition summary, a markdown table next to the
paper's CIFAR numbers, and a bar plot with error bars.

Rows (``table1.csv``) hold one condition x seed each, with ``test_accuracy`` in [0, 1].
Summaries give percentages: the mean over seeds and the sample standard deviation (0 for one seed).
"""
import numpy as np
import pandas as pd

from drc.experiments.conditions import BY_NAME, CONDITIONS

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


def plot_summary(summary, path, dataset):
    """Horizontal bars (mean, with the std over seeds as error bars) and the paper's CIFAR-10
    numbers as markers; returns ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from drc.core.figures import save_figure

    n = len(summary)
    fig, ax = plt.subplots(figsize=(8, 0.45 * n + 1.4))
    y = np.arange(n)[::-1]
    kinds = [BY_NAME[c].kind for c in summary["condition"]]
    colours = {"teacher": "tab:gray", "naive": "tab:red", "averaged": "tab:orange", "drc": "tab:blue"}
    ax.barh(y, summary["mean"], xerr=summary["std"], color=[colours[k] for k in kinds], capsize=3,
            label=f"ours ({DATASET_TITLES.get(dataset, dataset)})")
    paper = pd.to_numeric(summary["paper_cifar10"], errors="coerce")
    shown = paper.notna().to_numpy()
    ax.plot(paper[shown], y[shown], "kD", markersize=5, label="paper, CIFAR-10")
    ax.set_yticks(y)
    ax.set_yticklabels(summary["setting"])
    low = float(np.nanmin(np.concatenate([summary["mean"] - summary["std"], paper.dropna()])))
    ax.set_xlim(max(0.0, np.floor(low / 10) * 10 - 5), 100)
    ax.set_xlabel("test accuracy (%)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 1.2 / (n + 3)), ncol=2, fontsize=8)
    return save_figure(fig, path, dpi=110)
