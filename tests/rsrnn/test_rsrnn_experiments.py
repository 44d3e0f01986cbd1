"""run_results at the quick scale: every output file, and a second call that continues instead of
training again."""
import os

import pandas as pd
import pytest

from rsrnn.experiments import run_results


@pytest.mark.slow
def test_quick_results_write_their_files_and_a_second_call_reuses_the_runs(tmp_path):
    out = str(tmp_path / "results")
    lines = []
    summary = run_results(out, quick=True, models=("rsrnn", "cnn"), log=lines.append)
    for name in ("adv_accuracy_per_step.csv", "summary.csv", "accuracy_per_step.png", "fixations.png", "retina.gif",
                 "results_info.json", "runs/rsrnn/model_weights.keras", "runs/cnn/training_log.csv"):
        assert os.path.isfile(os.path.join(out, name)), name
    table = pd.read_csv(os.path.join(out, "adv_accuracy_per_step.csv"))
    assert set(table.model) == {"rsrnn", "cnn"} and set(table[table.model == "rsrnn"].step) == set(range(1, 17))
    assert set(summary.eps) == {0.0, 0.01, 0.1} and summary.step_16.between(0, 1).all()
    again = []
    run_results(out, quick=True, models=("rsrnn", "cnn"), log=again.append)
    assert any("rsrnn: trained already" in line for line in again)
    assert not any("attacked in" in line for line in again)
