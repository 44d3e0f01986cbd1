"""The BL scripts' own flags (the one-line-error parser and ``run_cli`` are ``drc.core.cli``'s)."""


def add_model_size_args(parser, width_help):
    """The scripts' added ``--image_size`` and ``--width_multiplier`` (defaults: the original)."""
    parser.add_argument("--image_size", default=224, type=int, help="model input size (original: 224)")
    parser.add_argument("--width_multiplier", default=1.0, type=float, help=width_help)


def check_model_size(parser, args):
    """One-line argparse errors for an input size BL cannot pool or a non-positive width."""
    if args.image_size < 64:
        parser.error(f"argument --image_size: BL pools 6 times, so it needs >= 64, got {args.image_size}")
    if args.width_multiplier <= 0:
        parser.error(f"argument --width_multiplier: must be > 0, got {args.width_multiplier}")
