"""Every notebook in examples/ executes without an error cell (nbclient) and is committed with
its outputs. The sensor-movie notebook runs in the fast suite; the training ones are slow."""
import glob
import os

import nbclient
import nbformat
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")
NOTEBOOKS = sorted(os.path.basename(p) for p in glob.glob(os.path.join(EXAMPLES, "*.ipynb")))
FAST = {"drc_sensor_movies.ipynb"}
FIGURES = {"drc_sensor_movies.ipynb", "drc_training.ipynb", "bl_keras2_weights.ipynb", "cordsnet.ipynb",
           "rsrnn.ipynb", "whatwhere.ipynb"}
# What each notebook must print when it has worked (not only run).
EXPECTED = {
    "drc_sensor_movies.ipynb": ["frames (32, 5, 7, 7, 1) positions (32, 5, 7, 7, 2) labels (32,)",
                                "in [0, 1]: True True"],
    "drc_training.ipynb": ["reloaded model gives the same probabilities: True"],
    "bl_keras2_weights.ipynb": ["same outputs as the trained model: True", "skipped ReadoutDense: shape mismatch"],
    "distributed_training.ipynb": ["MirroredStrategy over", "replicas: 2 | global batch: 64"],
    "cordsnet.ipynb": ["areas (H, W, C): [(7, 7, 8), (7, 7, 8)]", "{0: (30, 4, 7, 7, 8), 1: (30, 4, 7, 7, 8)}",
                       "reloaded model gives the same logits: True", "agree: True"],
    "rsrnn.ipynb": ["grid (3, 32, 32, 2) retinal images (3, 32, 32, 1)", "step 8 accuracy: clean"],
    "whatwhere.ipynb": ["bank (6, 24, 10, 2, 4096) -> 2880 filters on 64 x 64 px",
                        "collicular target (4, 240) = 10 eccentricities x 24 azimuths", "1 saccade(s): What accuracy"],
}


def _read(name):
    return nbformat.read(os.path.join(EXAMPLES, name), as_version=4)


def _text(nb):
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts.append(str(out.get("data", {}).get("text/plain", "")))
    return "\n".join(parts)


def test_every_notebook_is_listed_and_documented():
    assert set(NOTEBOOKS) == set(EXPECTED)
    with open(os.path.join(ROOT, "docs", "notebooks.md"), encoding="utf-8") as f:
        page = f.read()
    for name in NOTEBOOKS:
        assert name in page


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_with_outputs(name):
    nb = _read(name)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count for c in code)             # every cell was run, in order
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    if name in FIGURES:
        assert any("image/png" in o.get("data", {}) for c in code for o in c.outputs)
    for expected in EXPECTED[name]:
        assert expected in _text(nb), expected


def _execute(name, tmp_path):
    nb = _read(name)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = nbclient.NotebookClient(nb, timeout=1200, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()       # raises CellExecutionError on the first error cell
    text = _text(nb)
    for expected in EXPECTED[name]:
        assert expected in text, expected


@pytest.mark.parametrize("name", sorted(FAST))
def test_fast_notebook_executes(name, tmp_path):
    _execute(name, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(set(NOTEBOOKS) - FAST))
def test_notebook_executes(name, tmp_path):
    _execute(name, tmp_path)
