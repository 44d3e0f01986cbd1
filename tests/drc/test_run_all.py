"""The results suite's driver (drc.experiments.suite, run by scripts/experiments/run_all.py): which
parts run with which flags, and how an interrupted suite continues."""
import json
import os

from drc.experiments import suite as run_all

from tests.helpers import ROOT  # noqa: E402
SCRIPTS = os.path.join(ROOT, "scripts", "experiments")


def _argv(steps):
    return {name: argv for name, argv in steps}


def test_parts_use_table1_outputs_and_get_overwrite():
    steps = _argv(run_all.steps("R", quick=False, overwrite=True, seeds=2))
    assert list(steps) == list(run_all.PARTS)
    assert steps["drc_table1"] == ["drc_table1.py", "--out", "R/drc_table1", "--seeds", "2", "--overwrite"]
    assert "R/drc_table1/students/drc10_pos_seed0.keras" in steps["drc_selectivity"]
    assert "R/drc_table1/runs/saved_models/*_seed0_*" in steps["drc_visuals"]  # one seed: a readable legend
    assert all(argv[-1] == "--overwrite" for argv in steps.values())
    quiet = _argv(run_all.steps("R", quick=True, overwrite=False))
    assert all("--overwrite" not in argv for argv in quiet.values())
    assert "--quick" in quiet["bl_speed_accuracy"] and "--quick" not in quiet["drc_visuals"]


def test_an_interrupted_table1_resumes_instead_of_starting_again():
    steps = _argv(run_all.steps("R", quick=False, overwrite=True, resuming=["drc_table1"]))
    assert "--overwrite" not in steps["drc_table1"] and "--overwrite" in steps["bl_speed_accuracy"]


def test_only_an_unfinished_record_of_the_same_settings_continues():
    settings = {"quick": False, "seeds": None, "overwrite": True, "parts": list(run_all.PARTS)}
    record = {"settings": settings, "seconds": {"drc_table1": 3000.0}, "finished": False,
              "running": "drc_selectivity"}
    assert run_all.continued(record, settings) == ({"drc_table1": 3000.0}, "drc_selectivity")
    assert run_all.continued(dict(record, finished=True), settings) == ({}, None)
    assert run_all.continued(record, dict(settings, quick=True)) == ({}, None)
    assert run_all.continued(None, settings) == ({}, None)
    assert run_all.continued({"seconds": {"drc_table1": 1.0}}, settings) == ({}, None)  # an older record


def test_a_failed_part_is_recorded_and_the_same_command_continues(tmp_path, capsys):
    out = tmp_path / "results"
    assert run_all.run_suite(SCRIPTS, out=str(out), only="drc_visuals") == 2  # no Table 1 run folders
    record = json.loads((out / "run_all_drc_visuals.json").read_text())
    assert record["running"] == "drc_visuals" and not record["finished"] and record["seconds"] == {}
    assert run_all.run_suite(SCRIPTS, out=str(out), only="drc_visuals") == 2
    assert "continuing the interrupted suite" in capsys.readouterr().out


def test_parts_run_as_scripts_in_a_checkout_and_as_console_commands_when_installed():
    argv = ["drc_table1.py", "--out", "R/drc_table1", "--quick"]
    assert run_all.part_command("S", argv)[1:] == ["S/drc_table1.py", "--out", "R/drc_table1", "--quick"]
    assert run_all.part_command(None, argv)[1:] == ["-m", "drc", "drc-table1", "--out", "R/drc_table1", "--quick"]
    assert {run_all.COMMANDS[a[0]] for _, a in run_all.steps("R", quick=True, overwrite=False)} == {
        "drc-table1", "drc-selectivity", "drc-visuals", "bl-speed-accuracy"}
