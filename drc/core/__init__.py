"""The infrastructure every model family of this repository shares.

``drc.core`` imports no other package of the repository (a layering test keeps it so), and no
module here imports TensorFlow at import time, so scripts can parse and validate their flags
before TensorFlow loads. Modules: ``errors`` (the one error root), ``cli`` (one-line-error
parsers, ``run_cli``), ``datasets`` (loaders and the registry of names), ``resize`` (the
OpenCV-exact cubic operator), ``preprocessing``, ``distribute`` (strategy selection),
``callbacks``, ``figures``, ``runs`` (output folders, machine info, atomic writes) and
``attacks`` (adversarial attacks on models with per-step outputs).
"""
