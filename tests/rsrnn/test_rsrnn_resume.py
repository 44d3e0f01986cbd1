"""A training interrupted in epoch 3 and started again with the same call: every epoch is logged
once, numbered as in an uninterrupted run, and the checkpoint holds the last epoch's weights."""
import keras
import numpy as np
import pandas as pd
import pytest

from drc.core import checkpoints
from tests.helpers import Interrupted, interrupt_at


def test_an_interrupted_run_resumes_with_every_epoch_logged_once(tmp_path, monkeypatch):
    from rsrnn.training import CHECKPOINT, LOG, TrainConfig, train

    tiny = dict(n_train=32, n_test=16, canvas_size=32, output_size=16, width=4, attention_width=4, steps=1,
                batch_size=16, epochs=4, strategy="default", verbose=0)
    out = tmp_path / "run"
    with monkeypatch.context() as m:
        m.setattr(checkpoints, "kill_switch", interrupt_at(2, 1))
        with pytest.raises(Interrupted):
            train(TrainConfig(out=str(out), **tiny))
    assert list(pd.read_csv(out / LOG)["epoch"]) == [0, 1]
    assert (out / "backup").is_dir()
    resumed = train(TrainConfig(out=str(out), **tiny))
    log = pd.read_csv(out / LOG)
    assert list(log["epoch"]) == [0, 1, 2, 3]
    assert len(resumed["history"]["loss"]) == 4 and not (out / "backup").exists()
    np.testing.assert_allclose(resumed["history"]["loss"], log["loss"])
    assert np.all(np.isfinite(log["loss"]))
    saved = keras.models.load_model(out / CHECKPOINT)  # saved after the last epoch, as before
    for a, b in zip(saved.get_weights(), resumed["model"].get_weights()):
        np.testing.assert_array_equal(a, b)
