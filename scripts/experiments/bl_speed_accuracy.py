"""BL's speed-accuracy trade-off on real Fashion-MNIST, with its feed-forward control B.

python scripts/experiments/bl_speed_accuracy.py [--dataset fashion_mnist|fashion_mnist_subset]
    [--train_size 10000] [--test_size 2000] [--epochs 2] [--width_multiplier 0.0625]
    [--n_timesteps 8] [--seed 0] [--augment mix|clean] [--noise_sds 0.1,0.3,0.5]
    [--blur_sigmas 1,2,3] [--quick] [--out results/bl_speed_accuracy] [--overwrite]

Trains BL and B from scratch (28 x 28 images zero-padded to 32 x 32, one grey channel, BL's first
six layers), evaluates both on clean, noisy and blurred test images, and writes per-step
accuracies, entropy-threshold speed-accuracy curves (time steps and FLOPs), a CSV, a markdown
table, plots and run_info.json to --out. An --out holding an earlier run is refused unless
--overwrite.
"""
import _bootstrap  # noqa: F401

from convrnn_bl.commands import bl_speed_accuracy_main as main
from drc.core.cli import run_cli

if __name__ == "__main__":
    run_cli(main, prog="bl_speed_accuracy.py")
