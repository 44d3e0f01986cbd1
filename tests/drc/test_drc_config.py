"""Configuration without argparse: the dataclasses hold the CLIs' defaults, presets are named once,
and the public API loads lazily."""
import dataclasses
import subprocess
import sys

import pytest

from drc.config import DRC_PRESETS, DRCConfig, as_dict, drc_config
from drc.core.errors import UsageError
from drc.drc_cli import drc_parser, parse_config
from drc.teacher_cli import teacher_parser
from teachers.config import TEACHER_PRESETS, TeacherConfig, teacher_config


def test_drc_parser_defaults_are_the_dataclass():
    parsed = vars(drc_parser().parse_args([]))
    defaults = DRCConfig().as_dict()
    assert set(defaults) - set(parsed) == {"explicit", "summary_dir"}
    assert {k: defaults[k] for k in parsed} == parsed
    assert (defaults["epochs"], defaults["network_topology"], defaults["learning_patience"]) == \
        (100, "resnet50_on_imagenet", 5)  # the original DRC_training defaults


def test_teacher_parser_defaults_are_the_dataclass():
    parsed = vars(teacher_parser().parse_args([]))
    assert {k: parsed[k] for k in TeacherConfig().as_dict()} == TeacherConfig().as_dict()
    assert (parsed["epochs"], parsed["nl"], parsed["resblocks"], parsed["stopping_patience"],
            parsed["rotation_range"], parsed["last_maxpool_en"]) == (200, "elu", 5, 30, 5, False)


def test_parse_config_fills_the_dataclass_and_records_typed_flags():
    config = parse_config(["--res", "8", "--epochs", "3", "--dataset", "fashion_mnist_subset"])
    assert config["epochs"] == 3 and config["explicit"] == ("dataset", "epochs", "res")
    assert set(config) == {f.name for f in dataclasses.fields(DRCConfig)}


def test_presets_hold_the_settings_used_before():
    small = drc_config("small_cpu", res=7)
    assert (small.rnn_layer1, small.rnn_layer2, small.student_block_size, small.student_nl,
            small.decoder_optimizer, small.val_set_mult, small.res) == (16, 32, 1, "elu", "Adam", 1, 7)
    assert drc_config() == DRCConfig()
    assert DRC_PRESETS["paper_resnet50_cifar"]["decoder_optimizer"] == "SGD"
    assert teacher_config("small_cpu").resblocks == 1 and teacher_config().epochs == 200
    assert TEACHER_PRESETS["paper_resnet50_cifar"]["network_topology"] == "resnet50_on_imagenet"


@pytest.mark.parametrize("call, message", [
    (lambda: drc_config("huge"), "DRC preset 'huge' is unknown; allowed: original, small_cpu"),
    (lambda: drc_config(rnn_layer3=4), "unknown DRC options \\['rnn_layer3'\\]"),
    (lambda: teacher_config("tiny"), "teacher preset 'tiny' is unknown"),
    (lambda: teacher_config(depth=4), "unknown teacher options \\['depth'\\]"),
])
def test_unknown_presets_and_options_are_one_line_errors(call, message):
    with pytest.raises(UsageError, match=message):
        call()


def test_as_dict_copies_and_fills_defaults():
    given = {"res": 7}
    config = as_dict(given)
    config["res"] = 9
    assert given == {"res": 7} and config["epochs"] == 100
    assert as_dict(DRCConfig(res=5))["res"] == 5


def test_import_drc_loads_no_tensorflow_and_exports_the_api():
    code = ("import sys, drc, drc.compat, teachers; "
            "assert drc.DRCConfig and drc.drc_config and drc.compat.default_parameters; "
            "print('tensorflow' in sys.modules, sorted(set(drc.__all__) & {'run_drc', 'generate_drc_images', "
            "'trajectory_dataset', 'DRCSensor', 'load_dataset'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split(None, 1) == ["False", "['DRCSensor', 'generate_drc_images', 'load_dataset', 'run_drc', "
                                                  "'trajectory_dataset']\n"]


def test_lazy_names_resolve_to_their_modules():
    import drc
    import drc.compat
    from drc import movies, pipeline, trajectories

    assert drc.run_drc is pipeline.run_drc and drc.generate_drc_images is movies.generate_drc_images
    assert drc.compat.vonmises_walk is trajectories.vonmises_walk_offsets
    assert drc.compat.bad_res102 is movies.bad_res102
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        drc.nothing
