"""Trains BL on the 16-class ImageNet subset under one perturbation condition (SATBench).

python train.py --data_dir D --model_dir M --tag T [--batch_size 128] [--epochs 100]
[--pretrained True]

Writes M/model/ckpt/pretrained_mp_noise_{tag}_new.hdf5 (Keras 2 HDF5 weights, best training
loss) and M/model/{tag}_{timestamp}.keras (the final model).
"""
import _bootstrap  # noqa: F401

from convrnn_bl.commands import train_main as main
from drc.core.cli import run_cli

if __name__ == "__main__":
    run_cli(main, prog="train.py")
