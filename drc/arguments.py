"""The command-line flags shared by ``scripts/cifar_style.py`` and ``scripts/DRC_training.py``.

``default_parameters()`` is the parent parser of both scripts: every flag of the original's
``default_parameters`` (same names, types, defaults and ``--x/--no-x`` pairs) plus four optional
flags of this package: ``--data_dir``, ``--dataset``, ``--val_size`` and ``--resnet_weights``.

Scripts build their parser with ``drc.core.cli.ArgumentParser(parents=[default_parameters()])``
(errors on one line) and fill a configuration dataclass from it (``drc.config.DRCConfig``,
``teachers.config.TeacherConfig``): the defaults here are the original's, those of the library
live in the dataclasses (a test keeps both the same).
"""
import argparse

from drc.core.cli import add_bool_pair
from drc.core.distribute import add_strategy_argument
from teachers.config import RESNET_WEIGHTS_ENV, TOPOLOGIES

DATASET_CHOICES = ("cifar10", "cifar100", "fashion_mnist", "fashion_mnist_subset")
DATA_DIR_ENV = "DRC_DATA_DIR"


def default_parameters():
    """The shared parent parser (``add_help=False``): all of the original's flags plus ours."""
    p = argparse.ArgumentParser(add_help=False)

    g = p.add_argument_group("run")
    g.add_argument("--run_name_prefix", default="DRC_training", type=str, help="prefix of the run's name")
    g.add_argument("--run_index", default=10, type=int, help="index of the run (recorded only)")
    g.add_argument("--verbose", default=2, type=int, help="Keras fit verbosity (0, 1 = progress bar, 2)")
    add_bool_pair(g, "testmode", "quick run: one decoder epoch (--no-testmode to undo)")

    g = p.add_argument_group("student")
    g.add_argument("--epochs", default=100, type=int, help="training epochs")
    g.add_argument("--int_epochs", default=1, type=int, help="internal epochs per epoch (legacy)")
    g.add_argument("--decoder_epochs", default=10, type=int, help="epochs of back-end retraining")
    g.add_argument("--num_feature", default=64, type=int, help="filters of the student's last block")
    g.add_argument("--rnn_layer1", default=32, type=int, help="filters of the student's first block")
    g.add_argument("--rnn_layer2", default=64, type=int, help="filters of the student's second block")
    g.add_argument("--time_pool", default="average_pool",
                   help="pooling over time: max_pool, average_pool or 0 (none)")
    g.add_argument("--upsample", default=7, type=int, help="spatial upsampling of the student's input (0: none)")
    g.add_argument("--conv_rnn_type", default="gru", type=str, help="gru (ConvGRU2D) or lstm (ConvLSTM2D)")
    g.add_argument("--student_nl", default="relu", type=str, help="activation of the student's last block")
    g.add_argument("--dropout", default=0.0, type=float, help="student input dropout")
    g.add_argument("--rnn_dropout", default=0.0, type=float, help="student recurrent dropout")
    g.add_argument("--pretrained_student_path", default=None, type=str, help="load this student instead of a new one")
    g.add_argument("--decoder_optimizer", default="SGD", type=str, help="Adam or SGD for back-end retraining")
    add_bool_pair(g, "skip_student_training", "do not train the student (--no-... to undo)")
    add_bool_pair(g, "fine_tune_student", "train the student together with the back end")
    add_bool_pair(g, "layer_norm_student", "LayerNormalization on the student's output (default on)")
    add_bool_pair(g, "batch_norm_student", "BatchNormalization on the student's output")
    g.add_argument("--val_set_mult", default=5, type=int,
                   help="repetitions of the validation set (averages out trajectory noise)")

    g = p.add_argument_group("sensor and trajectories")
    g.add_argument("--trajectory_index", default=0, type=int, help="recorded only (legacy)")
    g.add_argument("--res", default=8, type=int, help="sensor resolution (pixels per side)")
    g.add_argument("--trajectories_num", default=-1, type=int,
                   help="-1: a new trajectory per image; N > 0: N+1 fixed ones; 0: one for all")
    g.add_argument("--broadcast", default=1, type=int,
                   help="1: positions as extra image channels; 0: positions as a separate (n, 2) input")
    g.add_argument("--loss", default="mean_squared_error", type=str, help="student loss")
    g.add_argument("--noise", default=0.5, type=float, help="angular noise of the const_p_noise style")
    g.add_argument("--max_length", default=5, type=int, help="sequence length the student sees")

    g = p.add_argument_group("teacher")
    g.add_argument("--network_topology", default="resnet50_on_imagenet", type=str, choices=TOPOLOGIES,
                   help="teacher: default (v1), v2 or resnet50_on_imagenet")
    g.add_argument("--resblocks", default=3, type=int, help="residual blocks of the v1 teacher's back end")
    g.add_argument("--student_version", default=3, type=int, help="student architecture (3: student3)")
    g.add_argument("--last_layer_size", default=128, type=int, help="units of the teacher's fc1")
    g.add_argument("--dropout1", default=0.2, type=float, help="teacher dropout after the first pooling")
    g.add_argument("--dropout2", default=0.0, type=float, help="teacher dropout after fc1")
    g.add_argument("--dataset_norm", default=128.0, type=float,
                   help="images are divided by this after subtracting the mean image")
    add_bool_pair(g, "dataset_center", "subtract the training mean image (default on)")
    add_bool_pair(g, "dense_interface", "a linear 64-filter conv at the front end's output")
    add_bool_pair(g, "layer_norm_res", "LayerNormalization in the residual blocks (default on)")
    add_bool_pair(g, "layer_norm_2", "LayerNormalization before the teacher's classifier (default on)")
    add_bool_pair(g, "skip_conn", "skip connections in the residual blocks (default on)")
    add_bool_pair(g, "last_maxpool_en", "2x2 max pooling before the classifier (else 1x1)")
    add_bool_pair(g, "resnet_mode", "ResNet50 (caffe) preprocessing of the images")
    g.add_argument("--nl", default="relu", type=str, help="teacher activation")
    g.add_argument("--stopping_patience", default=10, type=int, help="early-stopping patience (epochs)")
    g.add_argument("--learning_patience", default=5, type=int, help="learning-rate reduction patience (epochs)")
    g.add_argument("--manual_suffix", default="", type=str, help="suffix of the run's name")
    add_bool_pair(g, "data_augmentation", "rotation, shift and flip augmentation (default on)")
    g.add_argument("--rotation_range", default=0.0, type=float, help="augmentation: rotation range (degrees)")
    g.add_argument("--width_shift_range", default=0.1, type=float, help="augmentation: shift (fraction of width)")
    g.add_argument("--height_shift_range", default=0.1, type=float, help="augmentation: shift (fraction of height)")

    g = p.add_argument_group("drift trajectories")
    g.add_argument("--time_sec", default=0.3, type=float, help="duration of a realistic drift trajectory")
    g.add_argument("--traj_out_scale", default=4.0, type=float, help="drift scale in sensor pixels")
    add_bool_pair(g, "snellen", "drift statistics of the Snellen task (default on)")
    g.add_argument("--vm_kappa", default=0.0, type=float, help="von Mises walk concentration")

    g = p.add_argument_group("data and weights (new in this package)")
    g.add_argument("--data_dir", default=None, type=str,
                   help=f"folder holding cifar-10-batches-py/ or cifar-100-python/ (else ${DATA_DIR_ENV}, "
                        "Keras' cache, then a download)")
    g.add_argument("--dataset", default=None, choices=DATASET_CHOICES,
                   help="image dataset; default: cifar10 or cifar100 according to --n_classes")
    g.add_argument("--val_size", default=5000, type=int, help="last training images held out for validation")
    g.add_argument("--resnet_weights", default=None, type=str,
                   help=f"ResNet50 initial weights: imagenet, none or a .h5 path (else ${RESNET_WEIGHTS_ENV}, "
                        "else imagenet)")

    g = p.add_argument_group("distribution and reproducibility (new in this package)")
    add_strategy_argument(g)
    g.add_argument("--seed", default=None, type=int,
                   help="seed of weights, shuffling and trajectories (default: random; under --strategy "
                        "multiworker every worker derives the same one from the configuration)")

    p.set_defaults(data_augmentation=True, layer_norm_res=True, layer_norm_student=True,
                   batch_norm_student=False, layer_norm_2=True, skip_conn=True, last_maxpool_en=True,
                   testmode=False, dataset_center=True, dense_interface=False, resnet_mode=True,
                   skip_student_training=False, fine_tune_student=False, snellen=True)
    return p


