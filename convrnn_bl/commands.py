"""The command lines of BL's scripts (scripts/convrnn/*.py, scripts/experiments/bl_speed_accuracy.py):
each ``*_main(argv)`` parses the script's flags and runs it; the scripts and the console commands
(convrnn_bl.console) call these, so both take the same flags."""
import argparse
import os
import shlex
import sys

from convrnn_bl import layout
from convrnn_bl.cli import add_model_size_args, check_model_size
from convrnn_bl.errors import DataError
from drc.core.cli import ArgumentParser, import_tensorflow, quiet_native_stderr, str2bool
from drc.core.distribute import add_strategy_argument
from drc.core.errors import UsageError


def train_parser(prog="train.py"):
    parser = ArgumentParser(prog=prog, description="Trains BL on the 16-class ImageNet subset under one "
                                                   "perturbation condition (SATBench).")
    parser.add_argument("--data_dir", required=True, type=str,
                        help="folder with train_16classes/ and val_16classes/ (or train/ and val/)")
    parser.add_argument("--model_dir", required=True,
                        help="folder with bl_imagenet.h5; outputs go to model_dir/model/")
    parser.add_argument("--tag", required=True, type=str, choices=layout.TAGS,
                        help="perturbation condition: " + ", ".join(layout.TAGS))
    parser.add_argument("--batch_size", default=128, type=int, help="images per replica")
    parser.add_argument("--epochs", default=100, type=int)
    parser.add_argument("--pretrained", default=True, type=str2bool,
                        help="True: load bl_imagenet.h5 by name and train the readout only; "
                             "False: train the whole BL from scratch")
    # Additions (defaults reproduce the original):
    parser.add_argument("--weights", default=None, type=str,
                        help="pretrained file to use instead of MODEL_DIR/bl_imagenet.h5")
    add_model_size_args(parser, "BL filter multiplier (1.0: the published BL)")
    parser.add_argument("--seed", default=None, type=int, help="shuffle seed of the data")
    add_strategy_argument(parser)
    return parser


def train_main(argv=None):
    """``train.py``: writes M/model/ckpt/pretrained_mp_noise_{tag}_new.hdf5 and M/model/{tag}_{timestamp}.keras."""
    parser = train_parser()
    args = parser.parse_args(argv)
    for name in ("batch_size", "epochs", "image_size"):
        if getattr(args, name) < 1:
            parser.error(f"argument --{name}: must be >= 1, got {getattr(args, name)}")
    check_model_size(parser, args)
    # Cheap checks first, so a wrong path fails before TensorFlow starts.
    layout.training_dirs(args.data_dir)
    if args.pretrained:
        layout.pretrained_weights(args.model_dir, args.weights)
    import_tensorflow()
    from convrnn_bl.training import train_bl

    result = train_bl(args.data_dir, args.model_dir, args.tag, batch_size=args.batch_size, epochs=args.epochs,
                      pretrained=args.pretrained, weights=args.weights, image_size=args.image_size,
                      width_multiplier=args.width_multiplier, seed=args.seed, strategy=args.strategy)
    print(f"checkpoint: {result['checkpoint']}")


def predict_parser(prog="test.py"):
    parser = ArgumentParser(prog=prog, description="Predicts the human-experiment test images with a trained BL "
                                                   "at every time step (SATBench).")
    parser.add_argument("--test_data_dir", required=True, type=str,
                        help="output folder of reformat_test_data_dir.py")
    parser.add_argument("--model_dir", required=True, help="the --model_dir of train.py")
    parser.add_argument("--tag", required=True, type=str, choices=layout.TAGS,
                        help="perturbation condition: " + ", ".join(layout.TAGS))
    parser.add_argument("--batch_size", default=128, type=int)
    parser.add_argument("--pretrained", default=True, type=str2bool,
                        help="accepted for compatibility; no effect (as in the original)")
    # Additions (defaults reproduce the original):
    parser.add_argument("--weights", default=None, type=str, help="checkpoint to use instead")
    add_model_size_args(parser, "BL filter multiplier the checkpoint was trained with")
    parser.add_argument("--save_scores", action="store_true",
                        help="also write the softmax outputs to M/model/results/scores_{tag}.npz")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the predictions (and scores) of an earlier test.py run of this tag")
    return parser


def predict_main(argv=None):
    """``test.py``: writes M/model/results/predictions_{tag}.csv."""
    parser = predict_parser()
    args = parser.parse_args(argv)
    if args.batch_size < 1:
        parser.error(f"argument --batch_size: must be >= 1, got {args.batch_size}")
    check_model_size(parser, args)
    layout.test_dir(args.test_data_dir, args.tag)
    layout.test_weights(args.model_dir, args.tag, args.weights)
    layout.check_new_predictions(args.model_dir, args.tag, args.save_scores, args.overwrite)
    import_tensorflow()
    from convrnn_bl.training import predict_bl

    predict_bl(args.test_data_dir, args.model_dir, args.tag, batch_size=args.batch_size, weights=args.weights,
               image_size=args.image_size, width_multiplier=args.width_multiplier, save_scores=args.save_scores,
               overwrite=args.overwrite)


def speed_accuracy_parser(prog="speed_accuracy.py"):
    parser = ArgumentParser(prog=prog, description="Speed-accuracy analysis of test.py's softmax scores "
                                                   "(run test.py with --save_scores first).")
    parser.add_argument("--scores", required=True, type=str, help="scores_{tag}.npz from test.py")
    parser.add_argument("--out_dir", required=True, type=str)
    parser.add_argument("--human_csv", default=None, type=str,
                        help="columns reaction_time, accuracy or correct, [category], [condition]")
    parser.add_argument("--condition", default=None, type=str, help="condition to select in --human_csv")
    parser.add_argument("--n_thresholds", default=41, type=int)
    return parser


def _read_scores(path):
    import zipfile

    import numpy as np

    if not os.path.isfile(path):
        raise DataError(f"scores file {path} not found (run test.py with --save_scores)")
    try:
        with np.load(path) as data:
            flops = data["flops"] if "flops" in data else None
            class_names = [str(c) for c in data["class_names"]] if "class_names" in data else None
            return data["probabilities"], data["labels"], flops, class_names
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:
        raise DataError(f"{path} is not a scores file from test.py ({type(err).__name__})") from None


def speed_accuracy_main(argv=None):
    """``speed_accuracy.py``: the entropy-threshold curve, per-step accuracy and FLOPs, SATBench metrics."""
    parser = speed_accuracy_parser()
    args = parser.parse_args(argv)
    if args.n_thresholds < 2:
        parser.error(f"argument --n_thresholds: must be >= 2, got {args.n_thresholds}")
    from convrnn_bl.speed_accuracy import default_thresholds, run_analysis

    probabilities, labels, flops, class_names = _read_scores(args.scores)
    result = run_analysis(probabilities, labels, args.out_dir, flops=flops, human_csv=args.human_csv,
                          condition=args.condition,
                          thresholds=default_thresholds(probabilities.shape[-1], args.n_thresholds),
                          class_names=class_names)
    print("accuracy per time step:", " ".join(f"{a:.3f}" for a in result["step_accuracy"]))
    if "human_comparison" in result["metrics"]:
        print("human comparison:", result["metrics"]["human_comparison"])
    print("wrote", ", ".join(result["paths"].values()))


def create_subset_image_directories_main(argv=None):
    """``create_subset_image_directories.py``: copies the 16-class ImageNet subset into train/ and val/."""
    from convrnn_bl.folders import create_subset_image_directories

    parser = ArgumentParser(prog="create_subset_image_directories.py",
                            description="Copies the 16-class subset of ImageNet's train set into train/ and "
                                        "val/ class folders.")
    parser.add_argument("--dataset_root", type=str, required=True,
                        help="ImageNet folder that contains train/<wnid>/")
    parser.add_argument("--experiment_root", type=str, required=True,
                        help="folder holding image_names/<class>.txt of 16-class-ImageNet")
    parser.add_argument("--new_dataset_root", type=str, required=True,
                        help="where train/<class>/ and val/<class>/ are created")
    parser.add_argument("--split_idxs_root", type=str, required=True,
                        help="folder of 0.1-0_val_test_split.json (read if present, else written)")
    args = parser.parse_args(argv)
    counts = create_subset_image_directories(args.dataset_root, args.experiment_root, args.new_dataset_root,
                                             args.split_idxs_root)
    print(f"copied {counts['train']} training and {counts['val']} validation images to "
          f"{args.new_dataset_root} ({counts['failed']} failed)")


def reformat_test_data_dir_main(argv=None):
    """``reformat_test_data_dir.py``: SATBench's human-experiment images as class folders per condition."""
    from convrnn_bl.folders import reformat_test_data_dir

    parser = ArgumentParser(prog="reformat_test_data_dir.py",
                            description="Rebuilds SATBench's human-experiment images as class folders per test "
                                        "condition.")
    parser.add_argument("--old_dir", type=str, required=True,
                        help="human-experiment data (ColorGraySplit/, BlurSplit_color/, "
                             "NoiseSplit_gray_contrast0.2/, each with blocks 0..4)")
    parser.add_argument("--new_dir", type=str, required=True,
                        help="where color/, grayscale/, blur_color/, noise_grayscale/ are created")
    args = parser.parse_args(argv)
    counts = reformat_test_data_dir(args.old_dir, args.new_dir)
    copied = ", ".join(f"{k}: {v}" for k, v in counts.items() if k != "failed")
    print(f"copied to {args.new_dir}: {copied} ({counts['failed']} failed)")


def _levels(text):
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None
    if any(v <= 0 for v in values):
        raise argparse.ArgumentTypeError(f"levels must be > 0, got {text!r}")
    return values


def bl_speed_accuracy_parser(prog="bl_speed_accuracy.py"):
    from convrnn_bl.experiments.settings import DATASETS, PRESETS

    defaults = PRESETS["default"]
    p = ArgumentParser(prog=prog, description="BL's speed-accuracy trade-off on real Fashion-MNIST, with its "
                                              "feed-forward control B.")
    p.add_argument("--dataset", choices=DATASETS,
                   help=f"default {defaults['dataset']} (--quick: the bundled subset)")
    p.add_argument("--train_size", type=int, help=f"training images (default {defaults['train_size']})")
    p.add_argument("--test_size", type=int,
                   help=f"test images per condition (default {defaults['test_size']})")
    p.add_argument("--epochs", type=int, help=f"epochs for each model (default {defaults['epochs']})")
    p.add_argument("--width_multiplier", type=float, default=1 / 16, help="BL/B filter multiplier")
    p.add_argument("--n_timesteps", type=int, default=8, help="BL time steps (readouts)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--augment", choices=("mix", "clean"), default="mix",
                   help="train on a clean/noise/blur mix (default) or on clean images only")
    p.add_argument("--noise_sds", type=_levels, default=[0.1, 0.3, 0.5],
                   help="test noise sds ([0, 1] pixel units)")
    p.add_argument("--blur_sigmas", type=_levels, default=[1.0, 2.0, 3.0], help="test blur sigmas (pixels)")
    p.add_argument("--quick", action="store_true", help="a couple of minutes on the bundled subset")
    p.add_argument("--out", default=os.path.join("results", "bl_speed_accuracy"))
    p.add_argument("--overwrite", action="store_true", help="replace an earlier run's outputs in --out")
    return p


def bl_speed_accuracy_main(argv=None):
    """``bl_speed_accuracy.py``: trains BL and B, evaluates clean/noisy/blurred, writes tables and plots."""
    from convrnn_bl.experiments.settings import make_config

    argv = sys.argv[1:] if argv is None else argv
    p = bl_speed_accuracy_parser()
    args = vars(p.parse_args(argv))
    out, overwrite, quick = args.pop("out"), args.pop("overwrite"), args.pop("quick")
    from drc.core.validation import check_int

    check_int(args["seed"], "--seed", minimum=0, maximum=2 ** 32 - 1)
    try:
        config = make_config(quick, **args)
    except UsageError as err:
        p.error(str(err))
    command = "python scripts/experiments/bl_speed_accuracy.py " + " ".join(shlex.quote(a) for a in argv)
    from convrnn_bl.experiments.outputs import OUTPUTS
    from drc.core.runs import check_out_dir

    check_out_dir(out, OUTPUTS, overwrite)  # before TensorFlow starts
    with quiet_native_stderr():
        from convrnn_bl.experiments.speed_accuracy_run import run_and_report
    run_and_report(config, out, command.strip(), overwrite)
