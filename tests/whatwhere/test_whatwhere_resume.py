"""A What training interrupted in epoch 3 and started again with the same call: every epoch is
logged once, numbered as in an uninterrupted run (the curriculum's stages by epoch), the History
covers every epoch, and the finished run is then refused without overwrite."""
import pandas as pd
import pytest

from drc.core import checkpoints
from tests.helpers import Interrupted, interrupt_at


def test_an_interrupted_run_resumes_with_every_epoch_logged_once(tmp_path, monkeypatch):
    from whatwhere.errors import WhatWhereError
    from whatwhere.training import TrainConfig, train

    config = TrainConfig(model="what", out=str(tmp_path), n_train=40, n_val=20, batch_size=20, epochs_per_stage=1,
                         max_stages=4)
    with monkeypatch.context() as m:
        m.setattr(checkpoints, "kill_switch", interrupt_at(2, 1))
        with pytest.raises(Interrupted):
            train(config)
    assert list(pd.read_csv(tmp_path / "training.log")["epoch"]) == [0, 1]
    assert (tmp_path / "backup").is_dir() and not (tmp_path / "what.keras").exists()
    history = train(config)
    log = pd.read_csv(tmp_path / "training.log")
    assert list(log["epoch"]) == [0, 1, 2, 3]
    assert history.history["loss"] == pytest.approx(list(log["loss"]))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run_info.json", "training.log", "what.keras"]
    with pytest.raises(WhatWhereError, match="already holds a run"):
        train(config)
