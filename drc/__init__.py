"""DRC: the Dynamical Recurrent Classifier's sensor, trajectories, data pipeline and training.

Data flows: datasets -> trajectories + sensor -> movies / tf.data pipeline -> students/teachers
-> training (``run_drc``). What a notebook needs is importable from here; names load on first
use, so ``import drc`` (and a CLI's flag parsing) does not import TensorFlow::

    import drc
    (x, y), (xt, yt) = drc.load_dataset("fashion_mnist_subset")
    movies, positions = drc.generate_drc_images(x[:8], res=8, n_samples=5)
    row = drc.run_drc(drc.drc_config("small_cpu", dataset="fashion_mnist_subset", res=7,
                                     teacher_net="teacher.keras"))

The shared infrastructure is ``drc.core``; the original's names are in ``drc.compat``.
"""
from drc.core.lazy import lazy_exports

_EXPORTS = {
    "drc.core.datasets": ("load_dataset", "load_fashion_mnist", "load_fashion_mnist_subset", "load_cifar",
                          "load_mnist", "DATASETS", "N_CLASSES", "IMAGE_SHAPES"),
    "drc.core.preprocessing": ("Preprocessing",),
    "drc.sensor": ("DRCSensor", "sensor_frames", "start_position"),
    "drc.trajectories": ("sample_trajectories", "create_trajectory", "STYLES"),
    "drc.movies": ("generate_drc_images", "make_movies"),
    "drc.generator": ("DRC_dataset_generator",),
    "drc.tf_data": ("trajectory_dataset", "make_drc_dataset", "EpochClock"),
    "drc.config": ("DRCConfig", "DRC_PRESETS", "drc_config"),
    "drc.pipeline": ("run_drc", "default_config"),
    "drc.figures": ("plot_sensor_movie",),
}
__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)
