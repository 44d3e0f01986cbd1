"""Bad inputs to CordsNet's scripts (compute_eigenvalues.py, compute_eigenvector.py, main.py,
run_own_image.py), run in this process through run_cli: exit code 2, one line naming the value,
no traceback, and nothing written (no empty --out folder left by a refusal)."""
import os

import numpy as np
import pytest
from PIL import Image

from cordsnet import cli
from drc.core.cli import run_cli

CHECKPOINT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures", "cordsnet",
                          "cordsnet_r2_tiny.pth")  # 16x16 images, 2 areas
MAINS = {"compute_eigenvalues.py": cli.eigenvalues_main, "compute_eigenvector.py": cli.eigenvector_main,
         "main.py": cli.main_main, "run_own_image.py": cli.own_image_main}


@pytest.fixture
def files(tmp_path):
    """A file that is no checkpoint, and a square image."""
    (tmp_path / "garbage.pth").write_bytes(b"not a checkpoint at all" * 4)
    Image.fromarray((np.arange(256).reshape(16, 16) % 251).astype(np.uint8)).convert("RGB").save(tmp_path / "x.png")
    return tmp_path


CASES = {  # (script, flags, needles); OUT is the --out folder, which must not appear
    "eigenvalues --iterations 0": ("compute_eigenvalues.py", ["--iterations", "0"], ["--iterations 0", ">= 1"]),
    "eigenvalues --iterations -1": ("compute_eigenvalues.py", ["--iterations", "-1"], ["--iterations -1"]),
    "eigenvalues --qr_iterations 0": ("compute_eigenvalues.py", ["--qr_iterations", "0"], ["--qr_iterations 0"]),
    "eigenvalues --seed -1": ("compute_eigenvalues.py", ["--seed", "-1"], ["--seed -1", ">= 0"]),
    "eigenvalues --blank_steps -1": ("compute_eigenvalues.py", ["--blank_steps", "-1"], ["--blank_steps -1"]),
    "eigenvalues corrupt checkpoint": ("compute_eigenvalues.py", ["--checkpoint", "GARBAGE"],
                                       ["garbage.pth", "not a zip-format PyTorch checkpoint"]),
    "eigenvector corrupt checkpoint": ("compute_eigenvector.py", ["--checkpoint", "GARBAGE"],
                                       ["garbage.pth", "not a zip-format PyTorch checkpoint"]),
    "main corrupt checkpoint": ("main.py", ["--checkpoint", "GARBAGE", "--dataset", "mnist_subset"],
                                ["garbage.pth", "not a zip-format PyTorch checkpoint"]),
    "main --image_size 0": ("main.py", ["--dataset", "mnist_subset", "--image_size", "0"], ["--image_size 0"]),
    "main --image_size 32": ("main.py", ["--dataset", "mnist_subset", "--image_size", "32"],
                             ["--image_size 32", "takes 16x16 images"]),
    "main --alpha 0": ("main.py", ["--dataset", "mnist_subset", "--image_size", "16", "--alpha", "0"],
                       ["alpha=0.0", "(0, 1]"]),
    "main --data_path without val/": ("main.py", ["--dataset", "imagenet", "--image_size", "16", "--data_path",
                                                  "EMPTY"], ["--data_path", "has no val/ folder"]),
    "own image corrupt checkpoint": ("run_own_image.py", ["--checkpoint", "GARBAGE", "--image", "IMAGE"],
                                     ["garbage.pth", "not a zip-format PyTorch checkpoint"]),
    "own image not an image": ("run_own_image.py", ["--image", "GARBAGE", "--image_size", "16"],
                               ["--image", "garbage.pth", "not a readable image"]),
    "own image --image_size 0": ("run_own_image.py", ["--image", "IMAGE", "--image_size", "0"], ["--image_size 0"]),
    "own image --layers 5": ("run_own_image.py", ["--image", "IMAGE", "--image_size", "16", "--layers", "5"],
                             ["--layers", "[5]", "0..1"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_cordsnet_scripts_refuse_before_writing(case, files, cli_refused):
    script, flags, needles = CASES[case]
    names = {"GARBAGE": str(files / "garbage.pth"), "IMAGE": str(files / "x.png"), "EMPTY": str(files)}
    argv = [names.get(a, a) for a in flags]
    if "--checkpoint" not in argv:
        argv += ["--checkpoint", CHECKPOINT]
    cli_refused(MAINS[script], argv + ["--out", str(files / "out")], script, needles, files)


def test_cordsnet_spectrum_refuses_an_earlier_run(files, cli_refused):
    argv = ["--checkpoint", CHECKPOINT, "--out", str(files / "out"), "--iterations", "4", "--qr_iterations", "20"]
    run_cli(cli.eigenvalues_main, argv, prog="compute_eigenvalues.py")
    stamps = {f: os.path.getmtime(files / "out" / f) for f in os.listdir(files / "out")}
    assert sorted(stamps) == ["spectral_radius.json", "spectrum.csv", "spectrum.png"]
    cli_refused(cli.eigenvalues_main, argv, "compute_eigenvalues.py", ["already holds a run", "--overwrite"], files)
    assert {f: os.path.getmtime(files / "out" / f) for f in stamps} == stamps


STAGE_CASES = {  # (stage, flags, needles): refused before the stage trains or writes
    "compatibility --lr -1": ("compatibility", ["--lr", "-1"], ["--lr -1.0", "> 0"]),  # trained with it before
    "compatibility --weight_decay -1": ("compatibility", ["--weight_decay", "-1"], ["--weight_decay -1.0"]),
    "compatibility --train_size 0": ("compatibility", ["--train_size", "0"], ["--train_size 0", ">= 1"]),
    "compatibility --steps_per_epoch 0": ("compatibility", ["--steps_per_epoch", "0"], ["--steps_per_epoch 0"]),
    "compatibility --seed -1": ("compatibility", ["--seed", "-1"], ["--seed -1"]),  # a traceback before
    "compatibility --momentum 2": ("compatibility", ["--momentum", "2"], ["--momentum 2.0", "between 0 and 1"]),
    "compatibility missing --init": ("compatibility", ["--init", "TMP/none.pth"], ["--init", "none.pth", "no such"]),
    "inverse --clip 0": ("inverse", ["--clip", "0", "--init", CHECKPOINT], ["--clip 0.0", "> 0"]),
    "parametric --alpha 2": ("parametric", ["--alpha", "2", "--init", CHECKPOINT], ["--alpha 2.0"]),
}


@pytest.mark.parametrize("case", sorted(STAGE_CASES))
def test_cordsnet_training_stages_refuse_before_writing(case, tmp_path, cli_refused):
    from cordsnet.training.cli import main

    stage, flags, needles = STAGE_CASES[case]
    argv = ["--dataset", "fashionmnist_subset", "--depth", "2", "--channels", "4,4", "--image_size", "16",
            "--train_size", "20", "--test_size", "10", "--epochs", "1", "--results_dir", str(tmp_path)]
    argv += [a.replace("TMP", str(tmp_path)) for a in flags]
    cli_refused(lambda a: main(stage, a), argv, f"main_training_{stage}.py", needles, tmp_path)
