"""Command lines of ``scripts/rsrnn/``: parsers and the functions they call (no TensorFlow import
until a command runs). Flags keep the authors' names where they exist (``--data_path``,
``--model``, ``--checkpoint_path``, ``--n_steps``, ``--grid_size``, ``--density_ratio``)."""
from drc.core.cli import ArgumentParser
from drc.core.distribute import add_strategy_argument
from rsrnn.adversarial import EPS_LIST, AttackConfig
from rsrnn.data import DATASETS
from rsrnn.names import MODEL_NAMES
from rsrnn.training import TrainConfig

_TRAIN_DEFAULTS = TrainConfig(out="runs/rsrnn")
_ATTACK_DEFAULTS = AttackConfig(checkpoint_path="")


def train_parser(prog="train.py"):
    d = _TRAIN_DEFAULTS
    p = ArgumentParser(prog=prog, description="Train RS-RNN or a control on the canvas task (resumable).")
    p.add_argument("--model", default=d.model, choices=MODEL_NAMES, help="which model")
    p.add_argument("--data_path", default=None, help="folder of the dataset's files (default: the loaders' search)")
    p.add_argument("--dataset", default=None, choices=DATASETS,
                   help=f"canvas objects, or whole images (default: image_folder when --data_path holds train/ "
                        f"and val/, else {d.dataset})")
    p.add_argument("--canvas_size", type=int, default=d.canvas_size, help="canvas side in pixels")
    p.add_argument("--image_size", type=int, default=None,
                   help="side the CIFAR / image-folder images are resized to (default: --canvas_size)")
    p.add_argument("--class_list", default=None, help="image_folder: file of the classes to use, one WordNet id a line")
    p.add_argument("--n_train", type=int, default=None, help="first N training images (default all)")
    p.add_argument("--n_test", type=int, default=None, help="first N test images (default all)")
    p.add_argument("--n_steps", type=int, default=d.steps, help="fixations per image in training")
    p.add_argument("--grid_size", type=int, default=d.output_size, help="retina output side n in pixels")
    p.add_argument("--density_ratio", type=float, default=d.density_ratio, help="fovea/periphery area density ratio")
    p.add_argument("--width", type=int, default=d.width, help="channels of encoder 1 and the recurrent map")
    p.add_argument("--encoder_depth", type=int, default=d.encoder_depth, help="convolutions of encoder 1")
    p.add_argument("--epochs", type=int, default=d.epochs)
    p.add_argument("--batch_size", type=int, default=d.batch_size, help="per replica")
    p.add_argument("--lr", type=float, default=d.learning_rate, help="Adam's learning rate")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--out", default=d.out, help="run folder (an interrupted run continues there)")
    p.add_argument("--overwrite", action="store_true", help="replace a finished run in --out")
    add_strategy_argument(p)
    return p


def check_train_flags(args):
    """The values of train.py's flags that TrainConfig does not check or names otherwise (its
    steps, output_size, learning_rate), named as typed, before any folder or data."""
    from drc.core import validation as v

    for flag in ("n_steps", "grid_size"):
        v.check_int(getattr(args, flag), f"--{flag}", minimum=1)
    for flag in ("n_train", "n_test", "image_size"):
        v.check_int(getattr(args, flag), f"--{flag}", minimum=1, allow_none=True)
    v.check_int(args.seed, "--seed", minimum=0, maximum=2 ** 32 - 1)
    v.check_number(args.lr, "--lr", above=0)
    v.check_number(args.density_ratio, "--density_ratio", above=1)
    if args.data_path is not None:
        v.check_path(args.data_path, "--data_path", kind="dir")
    if args.class_list is not None:
        v.check_path(args.class_list, "--class_list")


def train_main(argv=None):
    args = train_parser().parse_args(argv)
    check_train_flags(args)
    from rsrnn.data import resolve_dataset
    from rsrnn.training import train

    config = TrainConfig(out=args.out, model=args.model, dataset=resolve_dataset(args.dataset, args.data_path, _TRAIN_DEFAULTS.dataset),
                         data_path=args.data_path, class_list=args.class_list,
                         canvas_size=args.image_size or args.canvas_size, n_train=args.n_train, n_test=args.n_test, steps=args.n_steps,
                         output_size=args.grid_size, density_ratio=args.density_ratio, width=args.width,
                         encoder_depth=args.encoder_depth, attention_width=args.width, epochs=args.epochs,
                         batch_size=args.batch_size, learning_rate=args.lr, seed=args.seed, strategy=args.strategy,
                         overwrite=args.overwrite)
    result = train(config)
    accuracy = " ".join(f"{a:.3f}" for a in result["test_accuracy_per_step"])
    print(f"{config.model}: test accuracy per step {accuracy}; checkpoint {result['checkpoint']}")
    return 0


def attack_parser(prog="adv_attack.py"):
    d = _ATTACK_DEFAULTS
    p = ArgumentParser(prog=prog, description="L-inf PGD through the first steps of a trained model; accuracy "
                                              "per step per eps to CSV.")
    p.add_argument("--checkpoint_path", required=True, help="a .keras file or a run folder written by train.py")
    p.add_argument("--data_path", default=None, help="folder of the dataset's files (default: as in training)")
    p.add_argument("--dataset", default=None, choices=DATASETS,
                   help="default: the training run's, or image_folder when --data_path holds train/ and val/")
    p.add_argument("--canvas_size", type=int, default=None, help="default: the training run's")
    p.add_argument("--image_size", type=int, default=None,
                   help="side the CIFAR / image-folder images are resized to (default: the training run's)")
    p.add_argument("--class_list", default=None, help="image_folder: file of the classes to use, one WordNet id a line")
    p.add_argument("--eps", type=float, nargs="+", default=list(EPS_LIST), help="L-inf radii (pixels in [0, 1])")
    p.add_argument("--attack_steps", type=int, default=d.attack_steps, help="steps the attack runs through")
    p.add_argument("--eval_steps", type=int, default=d.eval_steps, help="steps read on the adversarial images")
    p.add_argument("--nb_iter", type=int, default=d.nb_iter, help="PGD iterations (step eps / 3)")
    p.add_argument("--n_images", type=int, default=d.n_images, help="first N test images")
    p.add_argument("--batch_size", type=int, default=d.batch_size)
    p.add_argument("--seed", type=int, default=d.seed, help="seed of the random starts")
    p.add_argument("--out", default=None, help="folder of the CSV (default: the checkpoint's folder)")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier CSV in --out")
    return p


def attack_main(argv=None):
    args = attack_parser().parse_args(argv)
    from drc.core import validation as v

    for flag in ("canvas_size", "image_size"):
        v.check_int(getattr(args, flag), f"--{flag}", minimum=1, allow_none=True)  # 0 fell back silently
    v.check_int(args.nb_iter, "--nb_iter", minimum=1)
    v.check_int(args.seed, "--seed", minimum=0, maximum=2 ** 32 - 1)
    from rsrnn.adversarial import attack_checkpoint

    config = AttackConfig(checkpoint_path=args.checkpoint_path, out=args.out, data_path=args.data_path,
                          dataset=args.dataset, canvas_size=args.canvas_size, image_size=args.image_size,
                          class_list=args.class_list, eps=tuple(args.eps),
                          attack_steps=args.attack_steps, eval_steps=args.eval_steps, nb_iter=args.nb_iter,
                          n_images=args.n_images, batch_size=args.batch_size, seed=args.seed,
                          overwrite=args.overwrite)
    table = attack_checkpoint(config)
    for eps, rows in table.groupby("eps"):
        read = rows.set_index("step").accuracy
        steps = [s for s in (1, config.attack_steps, config.eval_steps) if s in read.index]
        print(f"eps {eps:g}: " + ", ".join(f"step {s} {read[s]:.3f}" for s in steps))
    return 0
