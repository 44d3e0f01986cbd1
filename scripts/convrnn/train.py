"""Trains BL on the 16-class ImageNet subset under one perturbation condition (SATBench).

python train.py --data_dir D --model_dir M --tag T [--batch_size 128] [--epochs 100]
[--pretrained True]

Writes M/model/ckpt/pretrained_mp_noise_{tag}_new.hdf5 (Keras 2 HDF5 weights, best training
loss) and M/model/{tag}_{timestamp}.keras (the final model).
"""
import _bootstrap  # noqa: F401

from convrnn_bl import layout
from convrnn_bl.cli import add_model_size_args, check_model_size
from drc.core.cli import ArgumentParser, import_tensorflow, run_cli, str2bool
from drc.core.distribute import add_strategy_argument

PROG = "train.py"


def setup_args(argv=None):
    parser = ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
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
    args = parser.parse_args(argv)
    for name in ("batch_size", "epochs", "image_size"):
        if getattr(args, name) < 1:
            parser.error(f"argument --{name}: must be >= 1, got {getattr(args, name)}")
    check_model_size(parser, args)
    return args


def main(argv=None):
    args = setup_args(argv)
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


if __name__ == "__main__":
    run_cli(main, prog=PROG)
