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
