"""Distribution: strategy choice, MirroredStrategy over two logical CPUs, and real
MultiWorkerMirroredStrategy worker processes on loopback (killed and restarted mid-training)."""
import json
import os
import signal
import socket
import subprocess
import sys
import time

import keras
import numpy as np
import pytest

from drc.core import distribute
from drc.tf_data import EpochClock, trajectory_dataset

from tests.helpers import ROOT  # noqa: E402
WORKER = os.path.join(ROOT, "tests", "core", "distributed_worker.py")


@pytest.fixture(scope="module")
def untrained_teacher(tmp_path_factory):
    """A small v1 teacher (random weights are enough: distillation targets only need to exist)."""
    from drc.core import datasets
    from drc.core.preprocessing import Preprocessing
    from teachers.saving import save_teacher
    from teachers.training import build_teacher

    (x, _), _ = datasets.load_fashion_mnist_subset()
    keras.utils.set_random_seed(0)
    teacher = build_teacher("default", (28, 28, 1), 10, dict(resblocks=1, last_layer_size=16))
    teacher.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["sparse_categorical_accuracy"])
    return save_teacher(teacher, Preprocessing.fit(x), str(tmp_path_factory.mktemp("teacher") / "v1.keras"))


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _env(tf_config=None):
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    env.update(PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    if tf_config is not None:
        env["TF_CONFIG"] = json.dumps(tf_config)
    return env


def _launch_workers(out, teacher, epochs, extra=()):
    ports = _free_ports(2)
    procs = []
    for i in range(2):
        tf_config = {"cluster": {"worker": [f"localhost:{p}" for p in ports]}, "task": {"type": "worker", "index": i}}
        log = open(os.path.join(out, f"log{i}_{ports[0]}.txt"), "w")
        procs.append(subprocess.Popen(
            [sys.executable, WORKER, "distill", "--teacher", teacher, "--out", out, "--strategy", "multiworker",
             "--epochs", str(epochs), *extra], env=_env(tf_config), stdout=log, stderr=subprocess.STDOUT))
    return procs


def _wait(procs, out, timeout=400):
    codes = [p.wait(timeout=timeout) for p in procs]
    if any(codes):
        logs = "".join(open(os.path.join(out, f)).read()[-2000:]
                       for f in sorted(os.listdir(out)) if f.startswith("log"))
        pytest.fail(f"worker exit codes {codes}:\n{logs}")


def _weights(path):
    with np.load(path) as f:
        return [f[k] for k in sorted(f.files, key=lambda k: int(k.split("_")[1]))]


def _epochs(path):
    with open(path) as f:
        return [int(line) for line in f.read().split()]


# ----------------------------------------------------------------------------- choosing a strategy

def test_strategy_names_and_cluster_errors(monkeypatch):
    with pytest.raises(distribute.StrategyError, match="'ring' is unknown"):
        distribute.make_strategy("ring")
    monkeypatch.delenv("TF_CONFIG", raising=False)
    for var in ("SLURM_NTASKS", "SLURM_NPROCS"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(distribute.StrategyError, match="needs TF_CONFIG"):
        distribute.make_strategy("multiworker")
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(distribute.StrategyError, match="not valid JSON"):
        distribute.cluster_config()
    strategy = distribute.make_strategy("auto")  # no GPU here: the default strategy
    assert strategy.num_replicas_in_sync == 1 and distribute.is_chief(strategy)
    assert distribute.global_batch_size(32, strategy) == 32
    assert distribute.worker_root("/data/runs", strategy) == "/data/runs"


def test_slurm_host_lists_and_tf_config():
    assert distribute.expand_hostlist("node[01-03,07],gpu5") == ["node01", "node02", "node03", "node07", "gpu5"]
    assert distribute.expand_hostlist("a1,b[9-10]") == ["a1", "b9", "b10"]
    env = {"SLURM_NTASKS": "3", "SLURM_JOB_NODELIST": "cn[1-3]", "SLURM_PROCID": "2"}
    config = distribute.tf_config_from_slurm(env, port=2222)
    assert config == {"cluster": {"worker": ["cn1:2222", "cn2:2222", "cn3:2222"]},
                      "task": {"type": "worker", "index": 2}}
    assert distribute.tf_config_from_slurm({"SLURM_NTASKS": "1"}) is None
    with pytest.raises(distribute.StrategyError, match="one task per node"):
        distribute.tf_config_from_slurm({"SLURM_NTASKS": "4", "SLURM_JOB_NODELIST": "cn[1-2]", "SLURM_PROCID": "0"})


def test_multiworker_without_cluster_is_a_one_line_cli_error(tmp_path):
    result = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "DRC_training.py"), "--strategy",
                             "multiworker", "--save_dir", str(tmp_path)], capture_output=True, text=True,
                            env=_env(), cwd=tmp_path, timeout=300)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("DRC_training.py: error:") and "TF_CONFIG" in lines[-1]
    assert "Traceback" not in result.stderr


def test_an_epoch_of_trajectories_depends_only_on_seed_and_epoch():
    images = np.random.default_rng(0).normal(size=(50, 28, 28)).astype(np.float32)

    def epoch(clock, k):
        clock.on_epoch_begin(k)
        return [(b["images"].numpy(), b["positions"].numpy()) for b in ds]

    clock = EpochClock()
    ds = trajectory_dataset(images, n_samples=4, batch_size=16, seed=3, clock=clock)
    first = epoch(clock, 0)
    next(iter(ds))  # an abandoned pass (as Keras' build under a strategy makes) changes nothing
    again, other = epoch(clock, 0), epoch(clock, 1)
    for (xa, qa), (xb, qb) in zip(first, again):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(qa, qb)
    assert not np.array_equal(first[0][1], other[0][1])  # a new epoch: new trajectories and order
    assert sorted(np.concatenate([x for x, _ in other])[:, 0, 0, 0]) == sorted(images[:, 0, 0])  # all images
    unclocked = trajectory_dataset(images, n_samples=4, batch_size=16, seed=3)
    passes = [next(iter(unclocked))["positions"].numpy() for _ in range(2)]
    assert not np.array_equal(*passes)  # without a clock, each pass is the next epoch


# ----------------------------------------------------------------------------- MirroredStrategy

def test_mirrored_over_two_cpus_matches_one_device(untrained_teacher, tmp_path):
    """Same global batch, same data: the DRC student's and BL's loss trajectories agree."""
    result = subprocess.run([sys.executable, WORKER, "mirrored", "--teacher", untrained_teacher, "--out",
                             str(tmp_path)], env=_env(), capture_output=True, text=True, timeout=500)
    assert result.returncode == 0, result.stderr[-3000:]
    with open(tmp_path / "mirrored.json") as f:
        runs = json.load(f)
    assert runs["replicas"] == [1, 2]
    for model in ("drc", "bl"):
        one, two = runs[f"{model}_one"], runs[f"{model}_two"]
        assert len(one["loss"]) == 3 and one["loss"][-1] < one["loss"][0]  # it trains
        for key in one:
            if key.endswith("loss"):
                np.testing.assert_allclose(two[key], one[key], rtol=2e-5, err_msg=f"{model} {key}")


# ----------------------------------------------------------------------------- multi-worker

@pytest.mark.slow  # two real worker processes, killed and restarted: about 2-4 min on 2 cores
def test_two_workers_killed_and_restarted_resume_and_match_one_process(untrained_teacher, tmp_path):
    """Two MultiWorkerMirroredStrategy processes on loopback distil a DRC student for 3 epochs;
    after epoch 2 one worker is killed (and the chief with it, as a job scheduler restarts the whole job);
    started again, both resume from their backups, finish, and end with identical weights,
    equal to one process training the same global batch without interruption."""
    out = str(tmp_path / "cluster")
    os.makedirs(out)
    procs = _launch_workers(out, untrained_teacher, epochs=3, extra=("--pause_after_epoch", "1"))
    start = time.time()
    paused = [os.path.join(out, f"worker{i}_paused") for i in (0, 1)]
    while not all(os.path.exists(marker) for marker in paused):  # both past epoch 2's backup
        if any(p.poll() is not None for p in procs) or time.time() - start > 400:
            for p in procs:
                p.kill()
            _wait(procs, out)
            pytest.fail("the workers did not reach epoch 2")
        time.sleep(0.5)
    procs[1].send_signal(signal.SIGKILL)
    procs[1].wait()
    procs[0].kill()
    procs[0].wait()
    assert _epochs(os.path.join(out, "worker0_epochs.txt")) == [0, 1]

    _wait(_launch_workers(out, untrained_teacher, epochs=3), out)
    for task in ("worker0", "worker1"):
        assert _epochs(os.path.join(out, f"{task}_epochs.txt")) == [0, 1, 2]  # nothing redone, nothing lost
    chief, other = _weights(os.path.join(out, "worker0.npz")), _weights(os.path.join(out, "worker1.npz"))
    for a, b in zip(chief, other):
        np.testing.assert_array_equal(a, b)
    with open(os.path.join(out, "worker0.json")) as f:
        info = json.load(f)
    assert info["replicas"] == 2 and info["global_batch_size"] == 64
    log = os.path.join(info["run_folder"], "student_history.csv")
    assert list(np.loadtxt(log, delimiter=",", skiprows=1, usecols=0)) == [0, 1, 2]  # one log, continued
    assert os.path.commonpath([info["run_folder"], out]) == out and ".worker_scratch" not in info["run_folder"]
    scratch = os.path.join(out, ".worker_scratch", "worker1")
    assert os.listdir(out) and os.path.isdir(scratch)  # the other worker wrote only into its scratch
    assert sorted(os.listdir(os.path.join(out, "saved_models"))) == [".in_progress",
                                                                        os.path.basename(info["run_folder"])]

    single = str(tmp_path / "single")
    os.makedirs(single)
    subprocess.run([sys.executable, WORKER, "distill", "--teacher", untrained_teacher, "--out", single,
                    "--strategy", "default", "--epochs", "3", "--global_batch", "64"], env=_env(), check=True,
                   capture_output=True, timeout=400)
    for a, b in zip(chief, _weights(os.path.join(single, "chief0.npz"))):
        np.testing.assert_allclose(a, b, atol=1e-5)


@pytest.mark.slow
def test_seed_command_lines_under_two_workers(tmp_path):
    """cifar_style.py then DRC_training.py (the seed's v1 lines) as 2 multi-worker processes:
    they finish, and only the chief's files appear in the shared folder."""
    from tests.helpers import DRC_V1, SMALL, TEACHER_V1, make_tiny_cifar

    data = make_tiny_cifar(tmp_path / "data", 10, n_train=60, n_test=20)

    def both(script, args):
        ports = _free_ports(2)
        procs = []
        for i in range(2):
            tf_config = {"cluster": {"worker": [f"localhost:{p}" for p in ports]},
                         "task": {"type": "worker", "index": i}}
            procs.append(subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts", script), *args,
                                           "--strategy", "multiworker", "--data_dir", data], cwd=tmp_path,
                                          env=_env(tf_config), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                          text=True))
        outputs = [p.communicate(timeout=900)[0] for p in procs]
        assert [p.returncode for p in procs] == [0, 0], "\n".join(o[-3000:] for o in outputs)
        return outputs

    both("cifar_style.py", TEACHER_V1 + ["--epochs", "1", "--val_size", "20"])
    assert [f for f in os.listdir(tmp_path / "pretrained_teachers") if f.endswith(".keras")] == \
        ["default_cifar10_teacher.keras"]
    teacher = os.path.join("pretrained_teachers", "default_cifar10_teacher.keras")
    outputs = both("DRC_training.py", DRC_V1.format(teacher=teacher).split() + SMALL)
    assert all("MultiWorkerMirroredStrategy with 2 replica(s)" in o for o in outputs)
    runs = [d for d in os.listdir(tmp_path / "saved_models") if not d.startswith(".")]
    assert len(runs) == 1 and (tmp_path / "saved_models" / runs[0] / "student.keras").is_file()
    import pandas as pd

    assert len(pd.read_csv(tmp_path / "summary_dataframe_DRC_training_data.csv")) == 1  # the chief's row only
    assert not (tmp_path / ".worker_scratch").exists()  # the other worker's scratch is gone
