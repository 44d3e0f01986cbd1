"""One place that picks the ``tf.distribute`` strategy of every training script.

``--strategy``:

- ``auto``: MirroredStrategy over the visible GPUs when there are any, else the default
  (one-device) strategy;
- ``mirrored``: MirroredStrategy over the visible GPUs, or over the logical CPU devices when no
  GPU is visible (several only when configured, e.g. for tests);
- ``multiworker``: MultiWorkerMirroredStrategy over the cluster that ``TF_CONFIG`` describes
  (or, without TF_CONFIG inside a SLURM job step of several tasks, the cluster SLURM describes);
- ``default``: TensorFlow's default strategy (no distribution).

Batch sizes given on the command line are per replica, as the original scripts (run on one
device) meant them: the global batch is the per-replica batch times the replicas. Only the chief
writes models, logs and summaries; every other worker writes into its own scratch folder
(:func:`worker_root`), which keeps its fault-tolerance backups so it can resume too.
"""
import json
import os
import re

from drc.core.errors import UsageError

STRATEGIES = ("auto", "mirrored", "multiworker", "default")
DEFAULT_PORT = 12345
_created = {}


class StrategyError(UsageError):
    """An impossible ``--strategy`` request (unknown name, no cluster description)."""


def add_strategy_argument(parser):
    """Adds ``--strategy`` to an argparse parser (or group)."""
    parser.add_argument("--strategy", default="auto", choices=STRATEGIES,
                        help="tf.distribute strategy: auto (MirroredStrategy when GPUs are visible, else default), "
                             "mirrored, multiworker (cluster from TF_CONFIG or SLURM), default; batch sizes are "
                             "per replica")


def expand_hostlist(hostlist):
    """SLURM's compact host list (``node[01-03,07],gpu5``) as a list of host names."""
    hosts = []
    for match in re.finditer(r"([^,\[]+)(?:\[([^\]]+)\])?", hostlist):
        prefix, ranges = match.group(1), match.group(2)
        if ranges is None:
            hosts.append(prefix)
            continue
        for part in ranges.split(","):
            first, _, last = part.partition("-")
            width = len(first)
            for i in range(int(first), int(last or first) + 1):
                hosts.append(f"{prefix}{i:0{width}d}")
    return hosts


def tf_config_from_slurm(env=None, port=DEFAULT_PORT):
    """TF_CONFIG (a dict) for the task of a SLURM job step with one task per node, or None when
    the environment is not a SLURM step of several tasks."""
    env = os.environ if env is None else env
    n_tasks = int(env.get("SLURM_NTASKS") or env.get("SLURM_NPROCS") or 1)
    if n_tasks < 2:
        return None
    nodes = expand_hostlist(env.get("SLURM_STEP_NODELIST") or env.get("SLURM_JOB_NODELIST", ""))
    if len(nodes) < n_tasks:
        raise StrategyError(f"SLURM step has {n_tasks} tasks on {len(nodes)} node(s); run one task per node "
                            f"(srun --ntasks-per-node=1) or set TF_CONFIG per task")
    port = int(env.get("DRC_WORKER_PORT", port))
    return {"cluster": {"worker": [f"{host}:{port}" for host in nodes[:n_tasks]]},
            "task": {"type": "worker", "index": int(env["SLURM_PROCID"])}}


def cluster_config():
    """The cluster description (TF_CONFIG, else derived from SLURM) as a dict, or None."""
    if os.environ.get("TF_CONFIG"):
        try:
            config = json.loads(os.environ["TF_CONFIG"])
        except json.JSONDecodeError as e:
            raise StrategyError(f"TF_CONFIG is not valid JSON ({e})") from None
        if "cluster" not in config or "task" not in config:
            raise StrategyError("TF_CONFIG needs 'cluster' and 'task' entries")
        return config
    return tf_config_from_slurm()


def check_strategy(name="auto"):
    """Refuses (StrategyError) an unknown ``name``, or ``multiworker`` without a cluster, without
    creating anything; returns the cluster description of ``multiworker`` (else None)."""
    if name not in STRATEGIES:
        raise StrategyError(f"--strategy {name!r} is unknown; allowed: {', '.join(STRATEGIES)}")
    if name != "multiworker":
        return None
    config = cluster_config()
    if config is None:
        raise StrategyError("--strategy multiworker needs TF_CONFIG (or a SLURM step with several tasks) "
                            "describing the cluster")
    return config


def make_strategy(name="auto"):
    """The strategy ``name`` (see the module docstring). Created once per process: a
    MultiWorkerMirroredStrategy must be made before TensorFlow runs anything else."""
    config = check_strategy(name)
    if name in _created:
        return _created[name]
    import tensorflow as tf

    if name == "multiworker":
        os.environ["TF_CONFIG"] = json.dumps(config)
        from drc.core import keras_multiworker

        keras_multiworker.enable()
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    elif name == "default" or (name == "auto" and not tf.config.list_logical_devices("GPU")):
        strategy = tf.distribute.get_strategy()
    else:
        devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
        strategy = tf.distribute.MirroredStrategy([d.name for d in devices])
    _created[name] = strategy
    return strategy


def worker_identity(strategy):
    """(task type, task index) of this process; ("chief", 0) when not multi-worker."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.cluster_spec().as_dict():
        return "chief", 0
    return resolver.task_type, int(resolver.task_id or 0)


def in_cluster(strategy):
    """True when this process is one worker of several."""
    return worker_identity(strategy) != ("chief", 0)


def is_chief(strategy):
    """True for the one process that writes (the chief, or worker 0 in a cluster without one)."""
    task_type, task_id = worker_identity(strategy)
    if task_type == "chief":
        return True
    has_chief = "chief" in strategy.cluster_resolver.cluster_spec().as_dict()
    return task_type == "worker" and task_id == 0 and not has_chief


def worker_root(root, strategy):
    """``root`` for the chief; ``root/.worker_scratch/<type><index>`` for any other worker, which
    writes there what the chief writes in ``root`` (and finds its own backups there again)."""
    if is_chief(strategy):
        return root
    task_type, task_id = worker_identity(strategy)
    return os.path.join(root, ".worker_scratch", f"{task_type}{task_id}")


def global_batch_size(per_replica, strategy):
    """The global batch size: the per-replica batch times the replicas in sync."""
    return int(per_replica) * int(strategy.num_replicas_in_sync)


def shard_by_data(dataset):
    """``dataset`` with data (not file) auto-sharding: every worker builds the same stream (same
    seeds) and keeps its own share of each global batch."""
    import tensorflow as tf

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def describe(strategy):
    """One line naming the strategy, its replicas and this worker."""
    task_type, task_id = worker_identity(strategy)
    where = "" if (task_type, task_id) == ("chief", 0) else f", this process is {task_type} {task_id}"
    import tensorflow as tf

    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        name = "MultiWorkerMirroredStrategy"
    elif isinstance(strategy, tf.distribute.MirroredStrategy):
        name = "MirroredStrategy"
    else:
        name = "the default strategy (no distribution)"
    return f"{name} with {strategy.num_replicas_in_sync} replica(s){where}"
