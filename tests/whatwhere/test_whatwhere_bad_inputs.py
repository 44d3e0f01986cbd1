"""Bad inputs to What/Where's scripts (train_what.py, train_where.py, benchmark.py, pictures.py),
run in this process through run_cli: exit code 2, one line naming the value, no traceback, and no
output folder made by a refusal."""
import pytest

from whatwhere.cli import benchmark_main, pictures_main, train_main

SHORT = ["--n_train", "20", "--n_val", "10", "--batch_size", "10", "--max_stages", "1", "--epochs_per_stage", "1"]
MAINS = {"what": lambda a: train_main(a, model="what"), "where": lambda a: train_main(a, model="where"),
         "benchmark": benchmark_main, "pictures": pictures_main}


@pytest.fixture
def files(tmp_path):
    """A readable saved model (WHAT), a file that is no model (GARBAGE), a folder (FOLDER), a file (FILE)."""
    import keras

    keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).save(tmp_path / "what.keras")
    (tmp_path / "garbage.keras").write_bytes(b"not a model" * 8)
    (tmp_path / "folder").mkdir()
    (tmp_path / "notes.txt").write_text("earlier notes\n")
    return tmp_path


CASES = {  # (script, flags, needles); the output folder is OUT
    "what --lr -1": ("what", SHORT + ["--lr", "-1"], ["--lr -1.0", "> 0"]),
    "what --lr nan": ("what", SHORT + ["--lr", "nan"], ["--lr nan", "finite"]),
    "what --seed -1": ("what", SHORT + ["--seed", "-1"], ["--seed -1"]),
    "what --dataset svhn": ("what", SHORT + ["--dataset", "svhn"], ["--dataset svhn", "mnist_subset"]),
    "where corrupt --what_model": ("where", SHORT + ["--what_model", "GARBAGE"],
                                   ["--what_model", "garbage.keras", "neither a .keras archive nor an HDF5 file"]),
    "where missing --what_model": ("where", SHORT + ["--what_model", "FOLDER/none.keras"],
                                   ["--what_model", "none.keras", "no such file"]),
    "where folder --what_model": ("where", SHORT + ["--what_model", "FOLDER"], ["--what_model", "is a folder"]),
    "where --N_pic 0": ("where", SHORT + ["--what_model", "WHAT", "--N_pic", "0"], ["N_pic=0", ">= 2"]),
    "where --rho 0": ("where", SHORT + ["--what_model", "WHAT", "--rho", "0"], ["rho=0.0", "> 0"]),
    "where --n_accuracy 0": ("where", SHORT + ["--what_model", "WHAT", "--n_accuracy", "0"], ["n_accuracy=0"]),
    "where --cache a file": ("where", SHORT + ["--what_model", "WHAT", "--cache", "FILE"], ["--cache", "is a file"]),
    "benchmark corrupt --what": ("benchmark", ["--what", "GARBAGE"], ["--what", "garbage.keras"]),
    "benchmark folder --where": ("benchmark", ["--where", "FOLDER"], ["--where", "is a folder"]),
    "benchmark --dataset svhn": ("benchmark", ["--what", "WHAT", "--dataset", "svhn"], ["--dataset svhn"]),
    "benchmark --n_test 0": ("benchmark", ["--what", "WHAT", "--n_test", "0"], ["--n_test 0"]),
    "benchmark --saccades -1": ("benchmark", ["--what", "WHAT", "--saccades", "-1"], ["--saccades -1", ">= 0"]),
    "pictures missing --stn": ("pictures", ["--stn", "FOLDER/stn.keras"], ["--stn", "stn.keras", "no such file"]),
    "pictures --dataset svhn": ("pictures", ["--dataset", "svhn"], ["--dataset svhn"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_whatwhere_scripts_refuse_before_writing(case, files, cli_refused):
    script, flags, needles = CASES[case]
    names = {"WHAT": str(files / "what.keras"), "GARBAGE": str(files / "garbage.keras"),
             "FILE": str(files / "notes.txt")}
    argv = [names.get(a, a.replace("FOLDER", str(files / "folder"))) for a in flags] + ["--out", str(files / "out")]
    cli_refused(MAINS[script], argv, script, needles, files)


@pytest.mark.parametrize("kwargs, needle", [
    (dict(n_features=0), "n_features=0 must be an integer >= 1"),
    (dict(N_azimuth=2.5), "N_azimuth=2.5 must be an integer >= 1"),
    (dict(dim1=-1), "dim1=-1 must be an integer >= 1"),
])
def test_where_net_refuses_empty_layers(kwargs, needle, refused, tmp_path):
    from whatwhere.errors import WhatWhereError
    from whatwhere.models import build_model

    refused(lambda: build_model("where", **kwargs), WhatWhereError, [needle], tmp_path)


@pytest.mark.parametrize("field, value, error, needle", [
    ("lr", -1.0, "BadValueError", "lr=-1.0"), ("seed", -1, "BadValueError", "seed=-1"),
    ("N_pic", 0, "WhatWhereError", "N_pic=0"), ("rho", 0, "BadValueError", "rho=0"),
    ("n_accuracy", 0, "WhatWhereError", "n_accuracy=0"),
    ("what_model", "no/such/what.keras", "WhatWhereError", "no such file")])
def test_train_config_refuses_what_the_cli_refuses(field, value, error, needle, tmp_path):
    from drc.core import validation
    from whatwhere import errors
    from whatwhere.training import TrainConfig

    with pytest.raises(getattr(validation, error, None) or getattr(errors, error), match=needle):
        TrainConfig(model="what", out=str(tmp_path / "run"), **{field: value})
    assert not (tmp_path / "run").exists()


def test_overwrite_keeps_the_earlier_run_when_an_input_fails_to_load(tmp_path):
    from whatwhere.training import TrainConfig, train

    run = tmp_path / "run"
    (run / "backup" / "epoch-000001").mkdir(parents=True)
    for name in ("where.keras", "training.log"):
        (run / name).write_text("earlier run")
    what = tmp_path / "what" / "what.keras"
    what.parent.mkdir()
    what.write_text("not a model")
    before = sorted(str(p.relative_to(run)) for p in run.rglob("*"))
    config = TrainConfig(model="where", out=str(run), what_model=str(what), overwrite=True, N_pic=128, N_theta=2,
                         N_azimuth=4, N_eccentricity=3, N_phase=1, n_train=8, n_val=4, n_accuracy=2,
                         cache=str(tmp_path / "cache"))
    with pytest.raises(ValueError, match="what.keras"):
        train(config)
    assert sorted(str(p.relative_to(run)) for p in run.rglob("*")) == before
