"""The README's demo command runs offline on the bundled data and writes its pictures."""
import os
import subprocess
import sys

import matplotlib.image as mpimg

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_demo_writes_sensor_movie_picture(tmp_path):
    out = tmp_path / "demo"
    run = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "demo.py"), "--out", str(out),
                          "--n_samples", "5"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    picture = mpimg.imread(out / "sensor_movie.png")
    assert picture.shape[1] > 3 * picture.shape[0]  # image + 5 frames side by side
    assert picture[..., :3].std() > 0.05


def test_demo_rejects_bad_style(tmp_path):
    run = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "demo.py"), "--style", "wobble",
                          "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert "invalid choice: 'wobble'" in run.stderr
