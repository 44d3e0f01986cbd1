"""Shared fixtures: quiet TensorFlow, a fixed seed, real data and tiny CIFAR folders."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest

from drc.core import datasets
from tests.helpers import make_tiny_cifar


@pytest.fixture(autouse=True)
def _seed():
    import keras

    keras.utils.set_random_seed(1234)


@pytest.fixture(scope="session")
def fmnist_subset():
    """The bundled real Fashion-MNIST subset: (x_train, y_train), (x_test, y_test)."""
    return datasets.load_fashion_mnist_subset()


@pytest.fixture(scope="session")
def fmnist_full():
    """The full Fashion-MNIST from Debian's dataset-fashion-mnist; skipped where not installed."""
    if not os.path.isfile(os.path.join(datasets.DEBIAN_FASHION_MNIST, "train-images-idx3-ubyte.gz")):
        pytest.skip("Debian package dataset-fashion-mnist is not installed (make data)")
    return datasets.read_fashion_mnist_folder(datasets.DEBIAN_FASHION_MNIST)


@pytest.fixture
def tiny_cifar10(tmp_path):
    return make_tiny_cifar(tmp_path, 10)


@pytest.fixture
def tiny_cifar100(tmp_path):
    return make_tiny_cifar(tmp_path, 100)


def _listing(folder):
    return sorted(os.path.relpath(os.path.join(d, f), folder) for d, _, fs in os.walk(folder) for f in fs + [""])


@pytest.fixture
def refused():
    """``refused(call, error, needles, folder)`` runs ``call`` and asserts that it raises ``error``
    with a one-line message holding every needle, and that ``folder`` (the output location) is
    unchanged: the bad-input tests' contract (issue 16)."""

    def check(call, error, needles, folder):
        before = _listing(folder)
        with pytest.raises(error) as info:
            call()
        message = str(info.value)
        assert "\n" not in message, message
        for needle in needles:
            assert needle in message, message
        assert _listing(folder) == before, "a refused call wrote into the output location"
        return message

    return check


@pytest.fixture
def cli_refused(capsys):
    """``cli_refused(main, argv, prog, needles, folder)`` runs a script's ``main(argv)`` through
    ``drc.core.cli.run_cli`` and asserts exit code 2, one line on stderr holding every needle, no
    traceback, and ``folder`` (the output location) unchanged; returns the line (issue 16)."""
    from drc.core.cli import run_cli

    def check(main, argv, prog, needles, folder):
        before = _listing(folder)
        with pytest.raises(SystemExit) as info:
            run_cli(main, argv, prog=prog)
        err = capsys.readouterr().err
        assert info.value.code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
        for needle in needles:
            assert needle in err, err
        assert _listing(folder) == before, "a refused command wrote into the output location"
        return err.strip()

    return check
