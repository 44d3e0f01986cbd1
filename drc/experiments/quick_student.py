"""A small DRC student trained quickly on the bundled Fashion-MNIST subset (CPU, minutes).

A small v1 teacher on full-resolution 28x28 images, then ``drc.pipeline.run_drc``: 7x7 sensor,
10-step spiral_2dir2 movies, positions as channels. Everything goes to one folder.
"""
import os

import keras

from teachers.config import TEACHER_PRESETS

VAL_SIZE = 500
TEACHER_OPTIONS = TEACHER_PRESETS["small_cpu"]


def _student_config(folder, teacher_path, n_steps, res, student_epochs, decoder_epochs, rnn_layer1, rnn_layer2,
                    seed, unroll, verbose):
    from drc.config import drc_config

    return drc_config(
        "small_cpu", teacher_net=teacher_path, dataset="fashion_mnist_subset", n_classes=10, val_size=VAL_SIZE,
        res=res, n_samples=n_steps, max_length=n_steps, epochs=student_epochs, decoder_epochs=decoder_epochs,
        broadcast=1, rnn_layer1=rnn_layer1, rnn_layer2=rnn_layer2, style="spiral_2dir2", verbose=verbose,
        save_dir=folder, summary_dir=folder, run_name_prefix=f"drc{n_steps}_pos_seed{seed}", unroll=unroll)


def train_quick_student(folder, n_steps=10, res=7, teacher_epochs=2, student_epochs=4, decoder_epochs=1,
                        rnn_layer1=32, rnn_layer2=32, seed=0, unroll=True, verbose=2):
    """Trains a teacher and a DRC student in ``folder``; returns (student path, teacher path, summary row)."""
    from drc import pipeline
    from teachers.training import train_teacher

    os.makedirs(folder, exist_ok=True)
    keras.utils.set_random_seed(seed)
    teacher_path = os.path.join(folder, f"teacher_seed{seed}_{os.getpid()}.keras")
    train_teacher(dict(TEACHER_OPTIONS, dataset="fashion_mnist_subset", n_classes=10, network_topology="default",
                       epochs=teacher_epochs, val_size=VAL_SIZE), path=teacher_path, verbose=verbose)
    config = _student_config(folder, teacher_path, n_steps, res, student_epochs, decoder_epochs, rnn_layer1,
                             rnn_layer2, seed, unroll, verbose)
    row = pipeline.run_drc(config)
    return os.path.join(row["save_model_path"], "student.keras"), teacher_path, row


def quick_student_layer_names(n_steps=10, res=7, rnn_layer1=32, rnn_layer2=32):
    """The layer names the student of :func:`train_quick_student` will have, from an untrained
    teacher and student of the same configuration (a second or two, nothing written), so that a
    ``--layer`` can be checked before anything trains."""
    from drc import pipeline
    from teachers.training import build_teacher

    teacher = build_teacher("default", (28, 28, 1), 10, dict(TEACHER_OPTIONS))
    config = _student_config("", "", n_steps, res, 1, 1, rnn_layer1, rnn_layer2, 0, True, 0)
    return [layer.name for layer in pipeline.get_student(config.as_dict(), teacher.layers[0]).layers]
