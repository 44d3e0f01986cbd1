"""Command lines of the family (scripts/whatwhere/*.py are thin wrappers); parsing imports no TensorFlow."""
import dataclasses

from drc.core.cli import ArgumentParser, run_cli
from drc.core.distribute import add_strategy_argument
from whatwhere.names import TRANSFORMERS


def _add_bank(parser):
    group = parser.add_argument_group("retina (the 128-pixel set-up)")
    for name, default in (("N_pic", 128), ("N_theta", 6), ("N_azimuth", 24), ("N_eccentricity", 10), ("N_phase", 2)):
        group.add_argument(f"--{name}", type=int, default=default, help=f"default {default}")
    group.add_argument("--rho", type=float, default=1.41, help="eccentricity ratio (default 1.41)")
    group.add_argument("--cache", default=None, help="filter-bank cache folder (default $WHATWHERE_CACHE, "
                                                     "else ~/.cache/recurrent-vision/whatwhere)")


def train_parser(model=None):
    """Flags of train_what.py / train_where.py (``model`` fixed) and train_transformer.py (``--model``)."""
    parser = ArgumentParser(description=f"Train the {model or 'transformer'} network on noisy canvases "
                                        "with the original's schedule (resumes an interrupted run in --out).")
    if model is None:
        parser.add_argument("--model", required=True, help=f"one of {', '.join(TRANSFORMERS)}")
    parser.add_argument("--out", required=True, help="run folder")
    parser.add_argument("--dataset", default="mnist_subset",
                        help="mnist_subset (default), mnist, fashion_mnist, fashion_mnist_subset")
    parser.add_argument("--n_train", type=int, default=None, help="first N training images (default all)")
    parser.add_argument("--n_val", type=int, default=None, help="first N test images for validation (default all)")
    parser.add_argument("--batch_size", type=int, default=100, help="minibatch size (default 100, the original's)")
    parser.add_argument("--epochs_per_stage", type=int, default=None,
                        help="epochs of every curriculum stage (default: the original's)")
    parser.add_argument("--stage_step", type=int, default=1, help="keep every k-th curriculum stage (default 1)")
    parser.add_argument("--max_stages", type=int, default=None, help="keep the first N stages (default all)")
    parser.add_argument("--lr", type=float, default=None, help="learning rate (default: the original's)")
    if model == "where":
        parser.add_argument("--what_model", required=True,
                            help="the trained What (.keras); its MNIST_accuracy.npy is made next to it if missing")
        parser.add_argument("--n_accuracy", type=int, default=10, help="images per shift of the accuracy map")
        _add_bank(parser)
    parser.add_argument("--seed", type=int, default=2019, help="default 2019 (the original's)")
    parser.add_argument("--overwrite", action="store_true", help="replace a finished run in --out")
    add_strategy_argument(parser)
    return parser


def check_flags(args):
    """What the command line names, checked before any folder is made: the dataset, the cache
    folder, the seed, the learning rate, counts, then the saved models (their architecture
    readable); the library checks the rest before it writes."""
    from drc.core import validation as v
    from whatwhere.errors import WhatWhereError, check_count
    from whatwhere.training import DATASETS

    v.check_choice(args.dataset, "--dataset", DATASETS)
    if getattr(args, "cache", None) is not None:
        v.check_out_folder(args.cache, "--cache", flag="--cache")
    if hasattr(args, "N_pic"):  # the retina's canvas and bank, which train() builds after the run folder
        check_count("N_pic", args.N_pic, 2)
        check_count("n_accuracy", args.n_accuracy)
        if not args.rho > 0:
            raise WhatWhereError(f"rho={args.rho!r} must be > 0")
    if hasattr(args, "seed"):
        v.check_int(args.seed, "--seed", minimum=0, maximum=2 ** 32 - 1)
    if getattr(args, "lr", None) is not None:
        v.check_number(args.lr, "--lr", above=0)
    for name in ("n_test", "n"):
        if hasattr(args, name):
            v.check_int(getattr(args, name), f"--{name}", minimum=1)
    for count in getattr(args, "saccades", ()):
        v.check_int(count, "--saccades", minimum=0)
    for name in SAVED + ("what_model",):
        if getattr(args, name, None):
            v.read_model_config(getattr(args, name), f"--{name}")


def train_main(argv=None, model=None):
    from whatwhere.training import TrainConfig, train
    parsed = train_parser(model).parse_args(argv)
    check_flags(parsed)
    args = vars(parsed)
    args["model"] = model or args["model"]
    if args["model"] not in TRANSFORMERS + ("what", "where"):
        from whatwhere.errors import WhatWhereError
        raise WhatWhereError(f"--model {args['model']!r} is unknown; allowed: {', '.join(TRANSFORMERS)}")
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    train(TrainConfig(**{k: v for k, v in args.items() if k in fields}))


SAVED = ("what", "where", "stn", "atn", "polo_atn")


def _add_saved_models(parser):
    parser.add_argument("--out", required=True, help="output folder")
    for name in SAVED:
        parser.add_argument(f"--{name}", default=None, help=f"the trained {name} (.keras)")
    parser.add_argument("--dataset", default="mnist_subset", help="the test images' dataset (default mnist_subset)")


def _saved_models(args):
    return {k: getattr(args, k) for k in SAVED if getattr(args, k)}


def benchmark_parser():
    parser = ArgumentParser(description="Accuracy of saved models against the digit's eccentricity and contrast "
                                        "on fixed test canvases (CSV + the original's benchmark figure).")
    _add_saved_models(parser)
    parser.add_argument("--n_test", type=int, default=200, help="last N test images (default 200)")
    parser.add_argument("--contrasts", type=float, nargs="+", default=[0.3, 0.5, 0.7])
    parser.add_argument("--eccentricities", type=float, nargs="+", default=None,
                        help="pixels (default 4.4 .. 40 in 9 steps)")
    parser.add_argument("--saccades", type=int, nargs="+", default=[0, 1], help="What/Where saccade counts")
    parser.add_argument("--cache", default=None, help="filter-bank cache folder")
    parser.add_argument("--overwrite", action="store_true")
    return parser


def benchmark_main(argv=None):
    args = benchmark_parser().parse_args(argv)
    check_flags(args)
    from whatwhere.benchmark import benchmark_saved, ECCENTRICITIES
    models = _saved_models(args)
    table = benchmark_saved(args.out, models, args.dataset, args.n_test, tuple(args.contrasts),
                            tuple(args.eccentricities or ECCENTRICITIES), tuple(args.saccades), args.cache,
                            args.overwrite)
    print(table.pivot_table(index=["model", "contrast"], columns="eccentricity", values="accuracy").round(3))


def pictures_parser():
    parser = ArgumentParser(description="Pictures: canvases, their retina codes inverted, the collicular map, "
                                        "the saccade, and what each transformer samples.")
    _add_saved_models(parser)
    parser.add_argument("--n", type=int, default=4, help="number of canvases (default 4)")
    parser.add_argument("--contrast", type=float, default=0.7)
    parser.add_argument("--cache", default=None, help="filter-bank cache folder")
    parser.add_argument("--overwrite", action="store_true")
    return parser


def pictures_main(argv=None):
    args = pictures_parser().parse_args(argv)
    check_flags(args)
    from whatwhere.pictures import pictures
    models = _saved_models(args)
    for path in pictures(args.out, models, args.dataset, args.n, args.contrast, args.cache, args.overwrite):
        print(path)


def results_parser():
    parser = ArgumentParser(description="The CPU-scale results (MNIST and Fashion-MNIST), resumable.")
    parser.add_argument("--out", default="results/whatwhere/cpu")
    parser.add_argument("--quick", action="store_true", help="a few minutes' smoke run")
    parser.add_argument("--datasets", nargs="+", default=["mnist", "fashion_mnist"])
    parser.add_argument("--cache", default=None)
    parser.add_argument("--overwrite", action="store_true")
    return parser


def results_main(argv=None):
    args = results_parser().parse_args(argv)
    from whatwhere.experiments import run_results
    print(run_results(args.out, args.quick, tuple(args.datasets), args.overwrite, args.cache).to_string())


def script(main, **kwargs):
    """Entry point of a script: run ``main`` with one-line errors (exit 2)."""
    return run_cli(lambda argv: main(argv, **kwargs), interrupt_hint="rerun the same command to resume")
