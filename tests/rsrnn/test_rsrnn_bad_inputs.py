"""Bad inputs to RS-RNN's train.py, run in this process through run_cli: exit code 2, one line
naming the flag as typed and its value, no traceback, and no run folder made by a refusal."""
import pytest

from rsrnn.cli import train_main

SMALL = ["--dataset", "mnist_subset", "--n_train", "16", "--n_test", "8", "--canvas_size", "32", "--grid_size", "8",
         "--width", "4", "--epochs", "1", "--batch_size", "8"]


CASES = {  # flags after SMALL: needles of the one-line error
    "--n_train 0": (["--n_train", "0"], ["--n_train 0", ">= 1"]),
    "--n_test -1": (["--n_test", "-1"], ["--n_test -1", ">= 1"]),
    "--image_size 0": (["--image_size", "0"], ["--image_size 0", ">= 1"]),
    "--seed -1": (["--seed", "-1"], ["--seed -1"]),
    "--lr 0": (["--lr", "0"], ["--lr 0.0", "> 0"]),
    "--lr nan": (["--lr", "nan"], ["--lr nan", "finite"]),
    "--n_steps 0": (["--n_steps", "0"], ["--n_steps 0"]),
    "--grid_size 0": (["--grid_size", "0"], ["--grid_size 0"]),
    "--density_ratio 0": (["--density_ratio", "0"], ["--density_ratio 0.0", "> 1"]),
    "--data_path missing": (["--data_path", "TMP/nowhere"], ["--data_path", "nowhere", "no such folder"]),
    "--class_list missing": (["--class_list", "TMP/classes.txt"], ["--class_list", "classes.txt", "no such file"]),
    "--class_list without image_folder": (["--class_list", "TMP/present.txt"],
                                          ["--class_list applies to --dataset image_folder"]),
    "image_folder without classes": (["--dataset", "image_folder", "--data_path", "TMP/empty"], ["TMP/empty"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rsrnn_train_refuses_before_making_the_run_folder(case, tmp_path, cli_refused):
    flags, needles = CASES[case]
    (tmp_path / "present.txt").write_text("n01440764\n")
    (tmp_path / "empty").mkdir()
    argv = SMALL + [a.replace("TMP", str(tmp_path)) for a in flags] + ["--out", str(tmp_path / "run")]
    cli_refused(train_main, argv, "train.py", [n.replace("TMP", str(tmp_path)) for n in needles], tmp_path)


ATTACK_CASES = {  # flags after --checkpoint_path CHECKPOINT: needles of the one-line error
    "--nb_iter 0": (["--nb_iter", "0"], ["--nb_iter 0", ">= 1"]),
    "--seed -1": (["--seed", "-1"], ["--seed -1"]),
    "--canvas_size 0": (["--canvas_size", "0"], ["--canvas_size 0", ">= 1"]),  # fell back to the run's silently
    "--image_size 0": (["--image_size", "0"], ["--image_size 0", ">= 1"]),
    "corrupt checkpoint": (["--checkpoint_path", "TMP/model.bin"], ["model.bin is not a .keras file"]),
    "image_folder without classes": (["--dataset", "image_folder", "--data_path", "TMP/empty"], ["TMP/empty"]),
}


@pytest.mark.parametrize("case", sorted(ATTACK_CASES))
def test_rsrnn_attack_refuses_before_making_out(case, tmp_path, cli_refused):
    from rsrnn.cli import attack_main

    flags, needles = ATTACK_CASES[case]
    (tmp_path / "empty").mkdir()
    (tmp_path / "model.bin").write_bytes(b"not a model")
    (tmp_path / "model.keras").write_bytes(b"PK")  # read only after the data: a refusal of the data comes first
    argv = ["--checkpoint_path", str(tmp_path / "model.keras"), "--n_images", "8"]
    argv += [a.replace("TMP", str(tmp_path)) for a in flags] + ["--out", str(tmp_path / "out")]
    cli_refused(attack_main, argv, "adv_attack.py", [n.replace("TMP", str(tmp_path)) for n in needles], tmp_path)


@pytest.mark.parametrize("field, value, error, needle", [
    ("n_train", 0, "BadValueError", "--n_train 0"), ("n_test", -1, "BadValueError", "--n_test -1"),
    ("seed", -1, "BadValueError", "--seed -1"), ("n_train", 2.5, "BadTypeError", "--n_train 2.5")])
def test_train_config_refuses_what_the_cli_refuses(field, value, error, needle, tmp_path):
    from drc.core import validation
    from rsrnn.training import TrainConfig

    with pytest.raises(getattr(validation, error), match=needle):
        TrainConfig(out=str(tmp_path / "run"), **{field: value})
    assert not (tmp_path / "run").exists()


def test_overwrite_keeps_the_earlier_run_when_the_data_fail_to_load(tmp_path):
    from drc.core.errors import DatasetNotFoundError
    from rsrnn.training import BACKUP, CHECKPOINT, INFO, LOG, TrainConfig, train

    run = tmp_path / "run"
    (run / BACKUP).mkdir(parents=True)
    for name in (CHECKPOINT, LOG, INFO):
        (run / name).write_text("earlier run")
    before = sorted(p.name for p in run.iterdir())
    config = TrainConfig(out=str(run), dataset="image_folder", data_path=str(tmp_path / "nowhere"), overwrite=True,
                         canvas_size=32, width=4, epochs=1, batch_size=8)
    with pytest.raises(DatasetNotFoundError, match="nowhere: no train/ folder"):
        train(config)
    assert sorted(p.name for p in run.iterdir()) == before
    assert (run / CHECKPOINT).read_text() == "earlier run"
