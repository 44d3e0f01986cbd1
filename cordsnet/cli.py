"""The command lines of scripts/cordsnet/compute_eigenvalues.py and cordsnet_results.py (and of the
``cordsnet-compute-eigenvalues`` and ``cordsnet-results`` console commands). Parsing imports no
TensorFlow."""
from drc.core.cli import ArgumentParser, add_bool_pair


def eigenvalues_parser(prog=None):
    from cordsnet.spectrum_report import SpectrumConfig

    d = SpectrumConfig(checkpoint="")
    p = ArgumentParser(prog=prog, description="Spectrum of every area of a CordsNet checkpoint (Arnoldi with "
                                              "convolution calls only).")
    p.add_argument("--checkpoint", required=True, help="a .pth (the original's layout) or .keras CordsNet")
    p.add_argument("--out", default=d.out, help="output folder (spectrum.csv, spectral_radius.json, spectrum.png)")
    p.add_argument("--iterations", type=int, default=d.iterations, help="Arnoldi steps")
    p.add_argument("--qr_iterations", type=int, default=d.qr_iterations, help="QR iterations on the Hessenberg matrix")
    add_bool_pair(p, "linearise", "also D W linearised at the spontaneous state")
    p.set_defaults(linearise=d.linearise)
    p.add_argument("--blank_steps", type=int, default=d.blank_steps, help="steps that settle the spontaneous state")
    p.add_argument("--seed", type=int, default=d.seed, help="seed of the Arnoldi start vector")
    p.add_argument("--overwrite", action="store_true", help="replace the outputs of an earlier run in --out")
    return p


def eigenvalues_main(argv=None):
    """``compute_eigenvalues.py``: spectrum.csv, spectral_radius.json and spectrum.png of a checkpoint."""
    from cordsnet.spectrum_report import SpectrumConfig, run_spectrum

    args = eigenvalues_parser().parse_args(argv)
    run_spectrum(SpectrumConfig(**vars(args)))


def results_main(argv=None):
    """``cordsnet_results.py``: CordsNet-R2 on real Fashion-MNIST, pipeline vs scratch vs the equivalent CNN."""
    p = ArgumentParser(description="CordsNet-R2 on real Fashion-MNIST at CPU scale: pipeline vs scratch vs the "
                                   "equivalent CNN.")
    p.add_argument("--out", default="results/cordsnet", help="output folder")
    p.add_argument("--quick", action="store_true", help="a smaller scale (minutes) for checking the pipeline")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier run's outputs in --out")
    args = p.parse_args(argv)
    from cordsnet.experiments import run_results

    run_results(args.out, quick=args.quick, overwrite=args.overwrite)


def main_parser(prog=None):
    from cordsnet.imagenet import DATASETS

    p = ArgumentParser(prog=prog, description="Top-1 accuracy and logits of a CordsNet checkpoint on a dataset "
                                              "(the original's main.py).")
    p.add_argument("--checkpoint", default="./cordsnetr8.pth", help="a .pth (the original's layout) or .keras CordsNet")
    p.add_argument("--dataset", default="imagenet", choices=DATASETS,
                   help="imagenet: the image folder --data_path/val/<class>/*; else a drc.core.datasets test split")
    p.add_argument("--data_path", default="./imagenet", help="the ImageNet-layout folder (holding val/)")
    p.add_argument("--image_size", type=int, default=224, help="side of the centre crop (resize to 256/224 of it)")
    p.add_argument("--batch_size", type=int, default=64, help="images per batch")
    p.add_argument("--alpha", type=float, default=0.2, help="dt / tau of the Euler steps")
    p.add_argument("--out", default="cordsnet_eval", help="output folder (accuracy.json, logits.npy, labels.npy)")
    p.add_argument("--overwrite", action="store_true", help="replace the outputs of an earlier run in --out")
    return p


def main_main(argv=None):
    """``main.py``: top-1 accuracy of a checkpoint, written to --out with the logits."""
    args = main_parser().parse_args(argv)
    from cordsnet.imagenet import evaluate

    evaluate(**vars(args))


def own_image_parser(prog=None):
    p = ArgumentParser(prog=prog, description="Rates of chosen areas of a CordsNet checkpoint over the 200 steps "
                                              "for one image file, and its top-5 classes (the original's "
                                              "run_own_image.py).")
    p.add_argument("--image", default="example_image.png", help="a square image file (pad it with zeros first)")
    p.add_argument("--checkpoint", default="./cordsnetr8.pth", help="a .pth (the original's layout) or .keras CordsNet")
    p.add_argument("--layers", type=int, nargs="+", default=[6, 7], help="area indices to record")
    p.add_argument("--image_size", type=int, default=224, help="side of the centre crop (resize to 256/224 of it)")
    p.add_argument("--alpha", type=float, default=0.2, help="dt / tau of the Euler steps")
    p.add_argument("--out", default="own_image", help="output folder (activity.npz: layer_<j> (steps, 1, H, W, C), "
                                                      "NHWC; top5.json)")
    p.add_argument("--overwrite", action="store_true", help="replace the outputs of an earlier run in --out")
    return p


def own_image_main(argv=None):
    """``run_own_image.py``: activity.npz and top5.json for one image."""
    args = own_image_parser().parse_args(argv)
    from cordsnet.imagenet import run_own_image

    run_own_image(**vars(args))


def eigenvector_parser(prog=None):
    p = ArgumentParser(prog=prog, description="Top eigenvector of every area's recurrent convolution by power "
                                              "iteration; without --checkpoint the original's demonstration on a "
                                              "random convolution (the original's compute_eigenvector.py).")
    p.add_argument("--checkpoint", default=None, help="a .pth or .keras CordsNet (default: the demonstration)")
    p.add_argument("--iterations", type=int, default=10000, help="power-iteration steps")
    p.add_argument("--trials", type=int, default=10, help="random starts iterated at once")
    p.add_argument("--seed", type=int, default=0, help="seed of the starts (and of the demonstration's kernel)")
    p.add_argument("--out", default="eigenvectors", help="output folder with --checkpoint (eigenvectors.npz, "
                                                         "eigenvalues.json)")
    p.add_argument("--overwrite", action="store_true", help="replace the outputs of an earlier run in --out")
    return p


def eigenvector_main(argv=None):
    """``compute_eigenvector.py``."""
    args = eigenvector_parser().parse_args(argv)
    if args.iterations < 1 or args.trials < 1:
        p = eigenvector_parser()
        p.error(f"--iterations {args.iterations} and --trials {args.trials} must be at least 1")
    from cordsnet.eigenvector_report import run

    run(**vars(args))
