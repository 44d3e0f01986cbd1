"""The original's main.py, run_own_image.py and compute_eigenvector.py (seed 001) on the committed
tiny R8 checkpoint (32 px, 5 classes) and real Fashion-MNIST images written as PNG files."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from cordsnet.cli import eigenvector_main, main_main, own_image_main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """val/<class>/*.png: two real Fashion-MNIST test images of each of the classes 0..4."""
    from drc.core.datasets import load_fashion_mnist_subset

    _, (x, y) = load_fashion_mnist_subset()
    root = tmp_path_factory.mktemp("imagenet")
    for c in range(5):
        os.makedirs(root / "val" / f"c{c}")
        for i in np.flatnonzero(np.asarray(y).reshape(-1) == c)[:2]:
            Image.fromarray(x[i, :, :, 0]).save(root / "val" / f"c{c}" / f"{i}.png")
    return root


def test_main_writes_the_models_own_accuracy_and_logits(folder, fixture_path, tmp_path):
    from cordsnet.imagenet import image_folder, load_checkpoint

    out = tmp_path / "eval"
    main_main(["--checkpoint", fixture_path("r8"), "--data_path", str(folder), "--image_size", "32",
               "--batch_size", "4", "--out", str(out)])
    images, labels, classes = image_folder(str(folder), 32)
    assert images.shape == (10, 32, 32, 3) and classes == [f"c{c}" for c in range(5)]
    logits = load_checkpoint(fixture_path("r8"), 0.2).predict(images, verbose=0)
    np.testing.assert_allclose(np.load(out / "logits.npy"), logits, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(np.load(out / "labels.npy"), labels)
    top1 = json.loads((out / "accuracy.json").read_text())["top1"]
    assert top1 == pytest.approx((logits.argmax(-1) == labels).mean())
    with pytest.raises(ValueError, match="--overwrite"):
        main_main(["--checkpoint", fixture_path("r8"), "--data_path", str(folder), "--image_size", "32",
                   "--out", str(out)])


def test_process_image_resizes_crops_and_normalises():
    from cordsnet.imagenet import MEAN, STD, process_image

    image = Image.fromarray(np.full((40, 60, 3), 255, np.uint8))
    x = process_image(image, 32)
    assert x.shape == (32, 32, 3)
    np.testing.assert_allclose(x[5, 5], (1 - MEAN) / STD, rtol=1e-5)


def test_run_own_image_saves_the_recorded_activity(folder, fixture_path, tmp_path):
    from cordsnet.imagenet import load_checkpoint, read_image

    image = str(folder / "val" / "c0" / sorted(os.listdir(folder / "val" / "c0"))[0])
    out = tmp_path / "own"
    own_image_main(["--image", image, "--checkpoint", fixture_path("r8"), "--image_size", "32",
                    "--layers", "6", "7", "--out", str(out)])
    model = load_checkpoint(fixture_path("r8"), 0.2)
    expected = model.record(read_image(image, 32)[None], [6, 7])
    with np.load(out / "activity.npz") as saved:
        for j in (6, 7):
            steps = model.blank_steps + model.image_steps
            assert saved[f"layer_{j}"].shape == (steps, 1, *model.state_shapes()[j])  # NHWC
            np.testing.assert_allclose(saved[f"layer_{j}"], expected[j], rtol=1e-5, atol=1e-6)
    logits = model.predict(read_image(image, 32)[None], verbose=0)[0]
    assert json.loads((out / "top5.json").read_text())["top5"] == list(np.argsort(-logits)[:5])


def test_eigenvector_demo_agrees_with_the_dense_eigenvector():
    from cordsnet.eigenvector_report import demo

    r = demo(iterations=600, seed=28)
    assert r["top_is_real"] and r["gap"] > 0.05
    assert r["cosine"] > 1 - 1e-6 and r["agreement"] > 1 - 1e-6
    assert r["power_eigenvalue"] == pytest.approx(r["dense_eigenvalue"].real, rel=1e-6)


def test_eigenvector_of_every_area_of_a_checkpoint(fixture_path, tmp_path):
    eigenvector_main(["--checkpoint", fixture_path("r2"), "--iterations", "50", "--trials", "2",
                      "--out", str(tmp_path)])
    with np.load(tmp_path / "eigenvectors.npz") as d:
        assert sorted(d.files) == ["area_0", "area_1"]
        assert d["area_0"].shape == (4, 4, 4)
        assert np.linalg.norm(d["area_0"]) == pytest.approx(1.0)


@pytest.mark.parametrize("script, args, message", [
    ("main.py", ["--checkpoint", "missing.pth"], "missing.pth"),
    ("main.py", ["--dataset", "imagenet21k"], "imagenet21k"),
    ("compute_eigenvector.py", ["--checkpoint", "missing.pth"], "missing.pth"),
])
def test_bad_input_exits_2_with_one_line(script, args, message, tmp_path):
    run = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "cordsnet", script), *args,
                          "--out", str(tmp_path / "o")], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 2
    lines = [line for line in run.stderr.splitlines() if message in line]
    assert len(lines) == 1 and "Traceback" not in run.stderr
