"""Predicts the human-experiment test images with a trained BL at every time step (SATBench).

python test.py --test_data_dir D --model_dir M --tag T [--batch_size 128]

Reads D/<color|grayscale|blur_color|noise_grayscale>/<class>/ and the checkpoint train.py wrote
(M/model/ckpt/pretrained_mp_noise_{tag}_new.hdf5, else the original's
M/model/ckpt/pretrained_mp_color-gray.hdf5); writes M/model/results/predictions_{tag}.csv.
"""
import _bootstrap  # noqa: F401

from convrnn_bl import layout
from convrnn_bl.cli import add_model_size_args, check_model_size
from drc.core.cli import ArgumentParser, import_tensorflow, run_cli, str2bool

PROG = "test.py"


def setup_args(argv=None):
    parser = ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
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
    args = parser.parse_args(argv)
    if args.batch_size < 1:
        parser.error(f"argument --batch_size: must be >= 1, got {args.batch_size}")
    check_model_size(parser, args)
    return args


def main(argv=None):
    args = setup_args(argv)
    layout.test_dir(args.test_data_dir, args.tag)
    layout.test_weights(args.model_dir, args.tag, args.weights)
    import_tensorflow()
    from convrnn_bl.training import predict_bl

    predict_bl(args.test_data_dir, args.model_dir, args.tag, batch_size=args.batch_size, weights=args.weights,
               image_size=args.image_size, width_multiplier=args.width_multiplier, save_scores=args.save_scores)


if __name__ == "__main__":
    run_cli(main, prog=PROG)
