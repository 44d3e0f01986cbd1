"""The infrastructure every model family of this repository shares.

``drc.core`` imports no other package of the repository (``tests/test_layering.py`` keeps it so);
a new family imports what it needs from here and nothing from the rest of ``drc``. Modules:
``errors`` (the one error root ``UsageError``), ``cli`` (one-line-error parsers, ``--x/--no-x``
pairs, ``explicit_dests``, ``run_cli`` with exit code 2), ``datasets`` (loaders and the registry
of names, classes, shapes), ``resize`` (the OpenCV-exact cubic operator and every shrink /
enlarge helper), ``preprocessing``, ``distribute`` (strategy selection, the Keras multi-worker
patch), ``callbacks`` (the ReduceLROnPlateau / EarlyStopping / BackupAndRestore / CSVLogger
set), ``checkpoints``, ``figures`` (saving; no backend switch), ``runs`` (output folders that
refuse to overwrite, machine info, atomic writes), ``lazy`` (lazy package exports) and
``attacks`` (adversarial attacks on models with per-step outputs). Only ``callbacks`` and
``keras_multiworker`` import Keras at module load (training code uses them); the rest lets scripts parse and validate their
flags before TensorFlow starts.
"""
