"""Predicts the human-experiment test images with a trained BL at every time step (SATBench).

python test.py --test_data_dir D --model_dir M --tag T [--batch_size 128] [--overwrite]

Reads D/<color|grayscale|blur_color|noise_grayscale>/<class>/ and the checkpoint train.py wrote
(M/model/ckpt/pretrained_mp_noise_{tag}_new.hdf5, else the original's
M/model/ckpt/pretrained_mp_color-gray.hdf5); writes M/model/results/predictions_{tag}.csv. A second
run of the tag is refused unless --overwrite (the original replaced the file silently).
"""
import _bootstrap  # noqa: F401

from convrnn_bl.commands import predict_main as main
from drc.core.cli import run_cli

if __name__ == "__main__":
    run_cli(main, prog="test.py")
