"""``DRC_training.py``: the original's flags (the shared parent parser plus its own five) and
this package's additions (--mixed_precision, --jit, --unroll, --save_dir). Parses into a
``drc.config.DRCConfig`` (whose defaults the parser shows), then calls ``drc.pipeline.run_drc``;
known errors end as one line with exit code 2."""
import os

from drc.arguments import default_parameters
from drc.config import DRCConfig
from drc.core.cli import ArgumentParser, add_bool_pair, explicit_dests, run_cli
from drc.trajectories import STYLES


def drc_parser(prog="DRC_training.py"):
    """The DRC_training parser (original flags, then the additions), with ``DRCConfig``'s defaults."""
    parser = ArgumentParser(prog=prog, parents=[default_parameters()],
                            description="Distil a ConvGRU student from a teacher's front end over sensor movies, "
                                        "then retrain the teacher's back end on it (DRC).")
    parser.add_argument("--n_classes", default=10, type=int, help="number of classes (CIFAR-10 or -100)")
    parser.add_argument("--n_samples", default=5, type=int, help="sensor samples (time steps) per image")
    parser.add_argument("--student_block_size", default=2, type=int, help="ConvRNN layers per student block")
    parser.add_argument("--style", default="spiral_2dir2", type=str, help="trajectory style")
    parser.add_argument("--teacher_net", default="pretrained_teachers/resnet50_on_imagenet_cifar10_teacher.hdf",
                        type=str, help="path to the teacher (.keras; the original's .hdf names resolve to it)")
    extra = parser.add_argument_group("performance and output (new in this package)")
    add_bool_pair(extra, "mixed_precision", "mixed_float16 compute (accelerators)")
    add_bool_pair(extra, "jit", "XLA-compile the training steps")
    add_bool_pair(extra, "unroll", "unroll the student's ConvRNN time loops")
    extra.add_argument("--save_dir", default=None, help="where saved_models/ and the summary go (default: cwd)")
    extra.add_argument("--target_cache_gb", default=2.0, type=float,
                       help="cache the teacher front end's outputs once per image when they fit in this many GiB; "
                            "else compute them in each training step")
    dests = {action.dest for action in parser._actions}
    parser.set_defaults(**{k: v for k, v in DRCConfig().as_dict().items() if k in dests})
    return parser


def parse_config(argv=None):
    """The configuration of a command line (``DRCConfig`` fields as a dict), with the explicitly
    typed flags recorded."""
    from drc.core.datasets import resolve_dataset
    from drc.core.errors import UsageError

    parser = drc_parser()
    config = DRCConfig(**vars(parser.parse_args(argv)), explicit=tuple(sorted(explicit_dests(parser, argv))))
    config = config.as_dict()
    if config["style"] not in STYLES:
        raise UsageError(f"--style {config['style']!r} is unknown; valid styles: {', '.join(STYLES)}")
    if config["decoder_optimizer"] not in ("Adam", "SGD"):
        raise UsageError(f"--decoder_optimizer {config['decoder_optimizer']!r} is unknown; allowed: Adam, SGD")
    resolve_dataset(config["dataset"], config["n_classes"])
    if config["broadcast"] not in (0, 1):
        raise UsageError(f"--broadcast {config['broadcast']}: not a mode; allowed: 0 (positions as a separate "
                         f"(n, 2) input) or 1 (positions as two extra image channels)")
    check_flag_values(config)
    for flag in ("n_samples", "res", "max_length", "epochs", "student_block_size", "val_set_mult"):
        if config[flag] < 1:
            raise UsageError(f"--{flag} {config[flag]} must be at least 1")
    if config["n_samples"] > config["max_length"]:
        print(f"max_length ({config['max_length']}) < n_samples ({config['n_samples']}): "
              f"using max_length = {config['n_samples']}")
        config["max_length"] = config["n_samples"]
    config["summary_dir"] = config["save_dir"]
    return config


def check_flag_values(config):
    """Ranges and choices of the DRC_training flags that the library would otherwise reject only
    after the run folder exists (or deep inside TensorFlow)."""
    from drc.core import validation as v

    v.check_int(config["trajectories_num"], "--trajectories_num", minimum=-1)
    v.check_choice(config["conv_rnn_type"], "--conv_rnn_type", ("gru", "lstm"))
    v.check_choice(str(config["time_pool"]), "--time_pool", ("average_pool", "max_pool", "0"))
    for flag in ("dropout", "rnn_dropout"):
        v.check_number(config[flag], f"--{flag}", minimum=0, below=1)
    for flag in ("noise", "dataset_norm", "target_cache_gb"):
        v.check_number(config[flag], f"--{flag}", minimum=0)
    for flag in ("num_feature", "rnn_layer1", "rnn_layer2", "val_size"):
        v.check_int(config[flag], f"--{flag}", minimum=1)
    for flag in ("upsample", "decoder_epochs", "learning_patience", "stopping_patience"):
        v.check_int(config[flag], f"--{flag}", minimum=0)
    v.check_choice(config["verbose"], "--verbose", (0, 1, 2))
    v.check_int(config["seed"], "--seed", minimum=0, maximum=2 ** 32 - 1, allow_none=True)
    if config["pretrained_student_path"]:
        v.check_model_file(config["pretrained_student_path"], "--pretrained_student_path")


def main(argv=None):
    config = parse_config(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    if config["mixed_precision"]:
        keras.mixed_precision.set_global_policy("mixed_float16")
    from drc.pipeline import run_drc

    row = run_drc(config)
    print(f"DRC done: test accuracy {row['test_accuracy_mean']:.4f} +- {row['test_accuracy_std']:.4f}; "
          f"run folder {row['save_model_path']}")
    return 0


def cli(argv=None):
    return run_cli(main, argv, prog="DRC_training.py",
                   interrupt_hint="run the same command again to resume from the last epoch")
