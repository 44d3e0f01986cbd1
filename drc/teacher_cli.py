"""The command line of ``scripts/cifar_style.py`` (the original's pretrained_teachers/cifar_style.py).

It lives in ``drc`` beside ``drc_cli`` because both are built on the original's shared parser
(``drc.arguments.default_parameters``); the teacher library (``teachers``) knows no argparse.

Its flags: the shared ``default_parameters`` plus ``--resblocks16 --resblocks8 --n_classes`` and
the ``--[no-]layer_norm_res16/8``, ``--[no-]skip_conn16/8``, ``--[no-]compile_on_spot`` pairs,
with the original's defaults on top. Two choices follow the original's README rather than its
code: the default topology is ``default`` (v1), and images keep their full resolution unless
``--res`` is typed (the shared default ``--res 8`` is the DRC sensor's).
"""
from drc.arguments import default_parameters
from drc.core.cli import ArgumentParser, add_bool_pair, explicit_dests
from drc.core.datasets import resolve_dataset
from teachers.config import TeacherConfig

DESCRIPTION = ("Train a DRC teacher (v1 'default', v2, or ResNet50 split after pool1_pool) on CIFAR-10/100 or "
               "Fashion-MNIST and save it with its preprocessing to "
               "pretrained_teachers/{topology}_{dataset}_teacher.keras.")
INTERRUPT_HINT = "run the same command again to resume from the last finished epoch"


def teacher_parser(prog=None):
    """The cifar_style parser: shared flags, the teacher-only flags, and the defaults of
    ``TeacherConfig`` (the original's cifar_style ones) on top."""
    p = ArgumentParser(prog=prog, parents=[default_parameters()], description=DESCRIPTION)
    g = p.add_argument_group("cifar_style")
    g.add_argument("--resblocks16", default=3, type=int, help="v2: residual blocks at half resolution (front end)")
    g.add_argument("--resblocks8", default=3, type=int, help="v2: residual blocks at quarter resolution (back end)")
    g.add_argument("--n_classes", default=10, type=int, help="classes: 10 (CIFAR-10, Fashion-MNIST) or 100")
    add_bool_pair(g, "layer_norm_res16", "v2: LayerNormalization in the half-resolution blocks (default on)")
    add_bool_pair(g, "layer_norm_res8", "v2: LayerNormalization in the quarter-resolution blocks (default on)")
    add_bool_pair(g, "skip_conn16", "v2: skip connections in the half-resolution blocks (default on)")
    add_bool_pair(g, "skip_conn8", "v2: skip connections in the quarter-resolution blocks (default on)")
    add_bool_pair(g, "compile_on_spot", "compile with Adam (default on; off keeps the ResNet teacher's SGD)")
    p.set_defaults(**TeacherConfig().as_dict())
    return p


def main(argv=None):
    """Parses the cifar_style flags and trains one teacher; returns the TeacherRun."""
    parser = teacher_parser()
    config = vars(parser.parse_args(argv))
    given = explicit_dests(parser, argv)
    resolve_dataset(config["dataset"], config["n_classes"])  # fail before importing TensorFlow
    if "res" in given and config["res"] != -1:
        from drc.core.validation import check_int

        check_int(config["res"], "--res", minimum=1)

    from teachers.training import train_teacher

    res = config["res"] if "res" in given and config["res"] != -1 else None  # -1: the original's full size
    verbose = config["verbose"] if "verbose" in given else "auto"
    return train_teacher(config, res=res, verbose=verbose)
