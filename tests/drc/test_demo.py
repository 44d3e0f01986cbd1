"""The README's demo command runs offline on the bundled data and writes its pictures."""
import os
import subprocess
import sys

import matplotlib.image as mpimg
import pandas as pd
import pytest

from tests.helpers import ROOT  # noqa: E402


def test_demo_writes_sensor_movie_picture(tmp_path):
    out = tmp_path / "demo"
    run = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "demo.py"), "--out", str(out),
                          "--sensor_only"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    picture = mpimg.imread(out / "sensor_movie.png")
    assert picture.shape[1] > 3 * picture.shape[0]  # image + 10 frames side by side
    assert picture[..., :3].std() > 0.05


@pytest.mark.slow
def test_full_demo_prints_the_table(tmp_path):
    run = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "demo.py"), "--out", str(tmp_path),
                          "--quick"], capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stderr[-2000:]
    table = pd.read_csv(tmp_path / "results.csv")
    assert len(table) == 3 and table["test_accuracy"].between(0, 1).all()
    assert table["test_accuracy"][0] > 0.6  # the full-resolution teacher
    assert (tmp_path / "accuracy.png").is_file()


def test_demo_rejects_unknown_flag(tmp_path):
    run = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "demo.py"), "--wobble",
                          "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert "unrecognized arguments: --wobble" in run.stderr
