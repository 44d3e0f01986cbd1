"""Makes Keras 3's ``fit``/``evaluate`` work under ``tf.distribute.MultiWorkerMirroredStrategy``.

Keras 3 (up to at least 3.15, keras-team/keras#20585) fails there in two places of its
TensorFlow trainer, both about reducing per-replica values across workers:

- ``_maybe_symbolic_build`` all-reduces a whole input batch (only to learn its shapes), which
  the collective ops reject;
- ``reduce_per_replica`` averages the step's logs with ``axis=0``, which fails for the scalar
  losses and metrics.

:func:`enable` replaces both with versions that take the shapes from this worker's first local
replica and average scalars over replicas. Only MultiWorkerMirroredStrategy takes the new paths;
every other strategy runs Keras' own code. Called by ``drc.core.distribute.make_strategy("multiworker")``.
"""
import tensorflow as tf
from keras.src import tree
from keras.src.backend.tensorflow import trainer

_enabled = []


def _multi_worker(strategy):
    return trainer._collective_all_reduce_multi_worker(strategy)


def _local_first(strategy, value):
    if isinstance(value, tf.distribute.DistributedValues):
        return strategy.experimental_local_results(value)[0]
    return value


def enable():
    """Installs the two replacements (once per process)."""
    if _enabled:
        return
    keras_symbolic_build = trainer.TensorFlowTrainer._maybe_symbolic_build
    keras_reduce = trainer.reduce_per_replica

    def maybe_symbolic_build(self, iterator=None, data_batch=None):
        if self._distribute_strategy is None or iterator is None or not _multi_worker(self.distribute_strategy):
            return keras_symbolic_build(self, iterator=iterator, data_batch=data_batch)
        for _, _, it in iterator:
            batch = next(it)
            data_batch = tree.map_structure(lambda v: _local_first(self.distribute_strategy, v), batch)
            break
        with self.distribute_strategy.scope():
            self._symbolic_build(data_batch=data_batch)

    def reduce_per_replica(values, strategy, reduction):
        if not (_multi_worker(strategy) and reduction in ("auto", "mean")):
            return keras_reduce(values, strategy, reduction)

        def mean(value):
            rank = _local_first(strategy, value).shape.rank
            return strategy.reduce("MEAN", value, axis=0 if rank else None)

        return tree.map_structure(mean, values)

    trainer.TensorFlowTrainer._maybe_symbolic_build = maybe_symbolic_build
    trainer.reduce_per_replica = reduce_per_replica
    _enabled.append(True)
