"""A CordsNet stage (the CNN of stage 1, the cheapest to build; every stage trains through the
same ``_fit``) interrupted in epoch 2 and started again with the same call: every epoch is
logged once, numbered as in an uninterrupted run; every per-epoch .pth is written; the finished
stage is then refused without overwrite."""
import dataclasses
import os

import pandas as pd
import pytest

from drc.core import checkpoints
from tests.helpers import Interrupted, interrupt_at

TINY = dict(dataset="fashionmnist_subset", depth=2, channels=(4, 4), image_size=16, train_size=16, batch_size=16,
            epochs=3, mix=False, verbose=0, phases=1, warmup_batches=1)


def test_an_interrupted_stage_resumes_with_every_epoch_logged_once(tmp_path, monkeypatch):
    from cordsnet.errors import CordsNetConfigError
    from cordsnet.training.config import stage_defaults
    from cordsnet.training.stages import run_stage

    config = dataclasses.replace(stage_defaults("compatibility"), **{**TINY, "results_dir": str(tmp_path)})
    folder = tmp_path / "results_2_fashionmnist_subset"
    with monkeypatch.context() as m:
        m.setattr(checkpoints, "kill_switch", interrupt_at(1, 0))
        with pytest.raises(Interrupted):
            run_stage(config)
    assert list(pd.read_csv(folder / "1_compatibility_log.csv")["epoch"]) == [0]
    assert (folder / ".backup_1_compatibility").is_dir() and not (folder / "1_compatibility_1_2.pth").exists()
    out = run_stage(config)
    log = pd.read_csv(folder / "1_compatibility_log.csv")
    assert list(log["epoch"]) == [0, 1, 2]
    assert out["history"]["loss"] == pytest.approx(list(log["loss"]))
    assert {"1_compatibility_0.pth", *(f"1_compatibility_1_{e}.pth" for e in (1, 2, 3))} <= set(os.listdir(folder))
    assert not (folder / ".backup_1_compatibility").exists()
    with pytest.raises(CordsNetConfigError, match="1_compatibility_1_3.pth exists .* pass --overwrite"):
        run_stage(config)
