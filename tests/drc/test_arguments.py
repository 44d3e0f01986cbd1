"""The shared parent parser (drc/arguments.py): the original's flags, our flags, one-line errors."""
import argparse

import pytest

from drc.arguments import default_parameters
from drc.core.cli import ArgumentParser, explicit_dests, run_cli
from drc.core.datasets import resolve_dataset
from drc.core.errors import UsageError
from teachers import config as teacher_config
from teachers.config import resnet_weights_choice

# Every value flag of the original's default_parameters: name -> (default, type).
ORIGINAL_VALUE_FLAGS = {
    "run_name_prefix": ("DRC_training", str), "run_index": (10, int), "verbose": (2, int),
    "epochs": (100, int), "int_epochs": (1, int), "decoder_epochs": (10, int), "num_feature": (64, int),
    "rnn_layer1": (32, int), "rnn_layer2": (64, int), "time_pool": ("average_pool", None), "upsample": (7, int),
    "conv_rnn_type": ("gru", str), "student_nl": ("relu", str), "dropout": (0.0, float),
    "rnn_dropout": (0.0, float), "pretrained_student_path": (None, str), "decoder_optimizer": ("SGD", str),
    "val_set_mult": (5, int), "trajectory_index": (0, int), "res": (8, int), "trajectories_num": (-1, int),
    "broadcast": (1, int), "loss": ("mean_squared_error", str), "noise": (0.5, float), "max_length": (5, int),
    "network_topology": ("resnet50_on_imagenet", str), "resblocks": (3, int), "student_version": (3, int),
    "last_layer_size": (128, int), "dropout1": (0.2, float), "dropout2": (0.0, float),
    "dataset_norm": (128.0, float), "nl": ("relu", str), "stopping_patience": (10, int),
    "learning_patience": (5, int), "manual_suffix": ("", str), "rotation_range": (0.0, float),
    "width_shift_range": (0.1, float), "height_shift_range": (0.1, float), "time_sec": (0.3, float),
    "traj_out_scale": (4.0, float), "vm_kappa": (0.0, float),
}
# Every --x/--no-x pair of the original: dest -> default.
ORIGINAL_PAIRS = {
    "testmode": False, "skip_student_training": False, "fine_tune_student": False, "layer_norm_student": True,
    "batch_norm_student": False, "dataset_center": True, "dense_interface": False, "layer_norm_res": True,
    "layer_norm_2": True, "skip_conn": True, "last_maxpool_en": True, "resnet_mode": True,
    "data_augmentation": True, "snellen": True,
}


def _parser():
    return ArgumentParser(prog="prog", parents=[default_parameters()])


def _option(parser, flag):
    return next(a for a in parser._actions if flag in a.option_strings)


def test_every_original_value_flag_has_its_default_and_type():
    parser = _parser()
    defaults = vars(parser.parse_args([]))
    for name, (default, typ) in ORIGINAL_VALUE_FLAGS.items():
        assert defaults[name] == default, name
        assert _option(parser, f"--{name}").type is typ, name


def test_every_original_pair_has_both_spellings_and_its_default():
    parser = _parser()
    defaults = vars(parser.parse_args([]))
    for name, default in ORIGINAL_PAIRS.items():
        assert defaults[name] is default, name
        assert vars(parser.parse_args([f"--{name}"]))[name] is True
        assert vars(parser.parse_args([f"--no-{name}"]))[name] is False


def test_no_flags_beyond_the_original_and_the_six_new_ones():
    dests = {a.dest for a in default_parameters()._actions}
    new = {"data_dir", "dataset", "val_size", "resnet_weights", "strategy", "seed"}
    assert dests == set(ORIGINAL_VALUE_FLAGS) | set(ORIGINAL_PAIRS) | new


def test_new_flags_defaults_and_values():
    parser = _parser()
    d = vars(parser.parse_args([]))
    assert (d["data_dir"], d["dataset"], d["val_size"], d["resnet_weights"]) == (None, None, 5000, None)
    d = vars(parser.parse_args("--data_dir /x --dataset fashion_mnist --val_size 100 --resnet_weights none".split()))
    assert (d["data_dir"], d["dataset"], d["val_size"], d["resnet_weights"]) == ("/x", "fashion_mnist", 100, "none")
    assert (d["strategy"], d["seed"]) == ("auto", None)
    d = vars(parser.parse_args("--strategy multiworker --seed 3".split()))
    assert (d["strategy"], d["seed"]) == ("multiworker", 3)


def test_values_are_converted_by_type():
    d = vars(_parser().parse_args("--res 16 --noise 0.25 --time_pool max_pool --nl elu".split()))
    assert d["res"] == 16 and d["noise"] == 0.25 and d["time_pool"] == "max_pool" and d["nl"] == "elu"


def test_parser_errors_are_one_line_with_exit_code_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        _parser().parse_args(["--network_topology", "vgg"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("prog: error: argument --network_topology: invalid choice: 'vgg'")
    with pytest.raises(SystemExit) as exit_info:
        _parser().parse_args(["--res", "eight"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_explicit_dests_tells_typed_flags_from_defaults():
    parser = _parser()
    assert explicit_dests(parser, []) == set()
    assert explicit_dests(parser, ["--res", "8"]) == {"res"}  # the default value, but typed
    assert explicit_dests(parser, ["--res=8", "--no-last_maxpool_en", "--nl", "elu"]) == {"res", "last_maxpool_en",
                                                                                          "nl"}


def test_resolve_dataset():
    assert resolve_dataset(None, 10) == "cifar10"
    assert resolve_dataset(None, 100) == "cifar100"
    assert resolve_dataset("fashion_mnist", 10) == "fashion_mnist"
    with pytest.raises(UsageError, match="CIFAR has 10 or 100 classes"):
        resolve_dataset(None, 7)
    with pytest.raises(UsageError, match="fashion_mnist has 10 classes, but --n_classes is 100"):
        resolve_dataset("fashion_mnist", 100)
    with pytest.raises(UsageError, match="cifar100 has 100 classes"):
        resolve_dataset("cifar100", 10)


def test_resnet_weights_choice_flag_then_environment_then_imagenet(monkeypatch):
    monkeypatch.delenv(teacher_config.RESNET_WEIGHTS_ENV, raising=False)
    assert resnet_weights_choice(None) == "imagenet"
    monkeypatch.setenv(teacher_config.RESNET_WEIGHTS_ENV, "/w.h5")
    assert resnet_weights_choice(None) == "/w.h5"
    assert resnet_weights_choice("none") == "none"


def test_run_cli_turns_known_errors_into_one_line(capsys):
    def failing(argv):
        raise UsageError("something\nwrong   here")

    with pytest.raises(SystemExit) as exit_info:
        run_cli(failing, prog="tool")
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == "tool: error: something wrong here\n"

    def missing(argv):
        raise FileNotFoundError("no teacher at x.keras")

    with pytest.raises(SystemExit):
        run_cli(missing, prog="tool")
    assert capsys.readouterr().err == "tool: error: no teacher at x.keras\n"


def test_run_cli_keeps_bugs_and_returns_results(capsys):
    assert run_cli(lambda argv: 42, prog="tool") == 42

    def buggy(argv):
        raise KeyError("bug")

    with pytest.raises(KeyError):
        run_cli(buggy, prog="tool")


def test_run_cli_interrupt_exits_130_with_hint(capsys):
    def interrupted(argv):
        raise KeyboardInterrupt

    with pytest.raises(SystemExit) as exit_info:
        run_cli(interrupted, prog="tool", interrupt_hint="run it again")
    assert exit_info.value.code == 130
    assert capsys.readouterr().err == "tool: interrupted; run it again\n"


def test_parent_parser_has_no_help_so_children_can_add_theirs():
    child = argparse.ArgumentParser(parents=[default_parameters()])
    assert any("-h" in a.option_strings for a in child._actions)
