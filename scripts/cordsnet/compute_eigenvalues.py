"""Spectrum of every area of a CordsNet checkpoint (Arnoldi with convolution calls only).

    python scripts/cordsnet/compute_eigenvalues.py --checkpoint cordsnetr8.pth --out spectrum_r8
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from drc.core.cli import ArgumentParser, add_bool_pair, run_cli  # noqa: E402


def build_parser():
    from cordsnet.spectrum_report import SpectrumConfig

    d = SpectrumConfig(checkpoint="")
    p = ArgumentParser(description=__doc__.splitlines()[0])
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


def main(argv=None):
    from cordsnet.spectrum_report import SpectrumConfig, run_spectrum

    args = build_parser().parse_args(argv)
    run_spectrum(SpectrumConfig(**vars(args)))


if __name__ == "__main__":
    run_cli(main)
