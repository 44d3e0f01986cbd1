"""Saving and loading teachers together with the preprocessing they were trained with.

A teacher is saved in Keras' native ``.keras`` format (a zip archive); the ``Preprocessing``
record is one more entry of that archive (``drc_preprocessing.json``), so ``keras.models.
load_model`` still loads the file and ``load_teacher`` returns both.

Paths: ``pretrained_teachers/{topology}_{dataset}_teacher.keras``, i.e. the original's
``{topology}_cifar{n}_teacher.hdf`` with the Keras 3 suffix; the original's ``.hdf`` (or ``.h5``)
names resolve to the ``.keras`` file next to them. Teachers that the original saved as Keras 2
HDF5 files load where Keras 3 can read them; the original actually wrote TensorFlow SavedModel
folders under those names, which Keras 3 cannot load as models (a clear error says so).
Existing teacher files are never overwritten.
"""
import os
import tempfile
import zipfile

import keras

from drc.core.errors import OutputExistsError, UsageError
from drc.core.validation import CorruptFileError, check_model_file
from drc.core.preprocessing import RESNET, Preprocessing

PREPROCESSING_ENTRY = "drc_preprocessing.json"
TEACHER_FOLDER = "pretrained_teachers"
SUFFIX = ".keras"
LEGACY_SUFFIXES = (".hdf", ".h5", ".hdf5")


class TeacherExistsError(OutputExistsError):
    """Refusal to overwrite an existing teacher file."""


class TeacherLoadError(UsageError):
    """A teacher path that exists but cannot be loaded by Keras 3."""


def teacher_path(network_topology, dataset="cifar10", folder=TEACHER_FOLDER):
    """``folder/{topology}_{dataset}_teacher.keras`` (e.g. default_cifar10_teacher.keras)."""
    return os.path.join(folder, f"{network_topology}_{dataset}_teacher{SUFFIX}")


def keras_path(path):
    """The ``.keras`` name for a path given with the original's ``.hdf``/``.h5`` suffix (or none)."""
    stem, ext = os.path.splitext(str(path))
    return str(path) if ext == SUFFIX else (stem if ext.lower() in LEGACY_SUFFIXES else str(path)) + SUFFIX


def _is_keras_archive(path):
    return os.path.isfile(path) and zipfile.is_zipfile(path)


def _is_hdf5(path):
    if not os.path.isfile(path):
        return False
    with open(path, "rb") as f:
        return f.read(8) == b"\x89HDF\r\n\x1a\n"


def _is_saved_model(path):
    return os.path.isdir(path) and (os.path.isfile(os.path.join(path, "saved_model.pb"))
                                    or os.path.isdir(os.path.join(path, "variables")))


def resolve_teacher_path(path):
    """The file ``load_teacher`` reads for ``path``: the path itself when Keras 3 can read it
    (a .keras archive or an HDF5 file), else its ``.keras`` sibling; FileNotFoundError when
    neither exists, TeacherLoadError for an unreadable one (e.g. a TF SavedModel folder)."""
    path = os.path.expanduser(str(path))
    if _is_keras_archive(path) or _is_hdf5(path):
        return path
    sibling = keras_path(path)
    if sibling != path and _is_keras_archive(sibling):
        return sibling
    if _is_saved_model(path):
        raise TeacherLoadError(f"{path} is a TensorFlow SavedModel folder (how the original saved teachers); "
                               "Keras 3 cannot load it as a model: train a new teacher with scripts/cifar_style.py")
    if os.path.exists(path):
        raise TeacherLoadError(f"{path} is neither a .keras archive nor an HDF5 model file")
    tried = path if sibling == path else f"{path} or {sibling}"
    raise FileNotFoundError(f"no teacher at {tried}")


def save_teacher(teacher, preprocessing, path):
    """Writes ``teacher`` and its ``Preprocessing`` to ``path`` (``.keras``; an ``.hdf`` name is
    changed to ``.keras``) and returns the path written. Never overwrites: an existing file
    raises TeacherExistsError. The file appears only when complete."""
    path = keras_path(path)
    if os.path.exists(path):
        raise TeacherExistsError(f"{path} exists; teachers are never overwritten: move or delete it first")
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, partial = tempfile.mkstemp(prefix=".partial_", suffix=SUFFIX, dir=folder)
    os.close(fd)
    try:
        teacher.save(partial, overwrite=True)
        with zipfile.ZipFile(partial, "a") as archive:
            archive.writestr(PREPROCESSING_ENTRY, preprocessing.to_json())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(partial, 0o666 & ~umask)  # mkstemp makes it private; a model file is not
        try:
            os.link(partial, path)  # fails if someone wrote `path` meanwhile: no overwrite
        except FileExistsError:
            raise TeacherExistsError(f"{path} appeared while saving; the new teacher is not saved") from None
        except OSError:  # file systems without hard links
            os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return path


def read_preprocessing(path):
    """The Preprocessing stored in a teacher archive, or None when it has none."""
    if not _is_keras_archive(path):
        return None
    with zipfile.ZipFile(path) as archive:
        if PREPROCESSING_ENTRY not in archive.namelist():
            return None
        return Preprocessing.from_json(archive.read(PREPROCESSING_ENTRY).decode("utf-8"))


def _has_resnet_layers(model):
    for layer in model.layers:
        if layer.name == "conv1_conv" or (hasattr(layer, "layers") and _has_resnet_layers(layer)):
            return True
    return False


def _load_hdf5(path, compile):
    # Keras 3 picks its legacy HDF5 reader by suffix; the original used ".hdf".
    if path.lower().endswith((".h5", ".hdf5")):
        return keras.models.load_model(path, compile=compile)
    with tempfile.TemporaryDirectory() as tmp:
        link = os.path.join(tmp, "teacher.h5")
        os.symlink(os.path.abspath(path), link)
        return keras.models.load_model(link, compile=compile)


def load_teacher(path, compile=True):
    """(teacher, preprocessing) from a saved teacher; ``path`` may use the original's ``.hdf`` name.

    preprocessing is the stored record; for files without one (HDF5 teachers of the original)
    it is the ResNet preprocessing for a ResNet50 teacher and None otherwise (then the caller's
    --dataset_norm / --resnet_mode apply). ``teacher.layers[0]`` is the front end,
    ``teacher.layers[1]`` the back end.
    """
    resolved = resolve_teacher_path(path)
    try:
        check_model_file(resolved, "teacher")
    except CorruptFileError as err:
        raise TeacherLoadError(str(err)) from None
    if _is_keras_archive(resolved):
        try:
            teacher = keras.models.load_model(resolved, compile=compile)
        except (ValueError, TypeError, KeyError, OSError) as err:
            raise TeacherLoadError(f"{resolved}: Keras cannot load this model ({' '.join(str(err).split())[:160]})") \
                from None
        preprocessing = read_preprocessing(resolved)
    else:
        try:
            teacher = _load_hdf5(resolved, compile)
        except Exception as err:
            raise TeacherLoadError(f"{resolved}: Keras 3 cannot read this HDF5 model "
                                   f"({' '.join(str(err).split())[:160]})") from None
        preprocessing = None
    if len(teacher.layers) != 2 or not all(isinstance(part, keras.Model) for part in teacher.layers):
        raise TeacherLoadError(f"{resolved} is not a DRC teacher: it must be a model of two models (front end, back "
                               f"end); it has {len(teacher.layers)} layers")
    if preprocessing is None and _has_resnet_layers(teacher):
        preprocessing = Preprocessing(RESNET)
    return teacher, preprocessing
