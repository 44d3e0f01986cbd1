"""Cost of a verified, atomic backup (drc.core.checkpoints.BackupAndRestore) against Keras' own
BackupAndRestore, side by side on one model: seconds per end-of-epoch backup and the ratio.

    python scripts/benchmarks/bench_checkpoints.py [--params 1000000] [--repeats 5]
"""
import argparse
import os
import tempfile
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", type=int, default=1_000_000, help="weights of the Dense model")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import numpy as np

    from drc.core import checkpoints

    width = int(np.sqrt(args.params))
    model = keras.Sequential([keras.Input((width,)), keras.layers.Dense(width), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    model.fit(np.ones((8, width)), np.ones((8, 1)), verbose=0)
    stopper = keras.callbacks.EarlyStopping(monitor="loss", restore_best_weights=True)
    stopper.set_model(model)
    stopper.on_train_begin()
    stopper.on_epoch_end(0, {"loss": 1.0})
    with tempfile.TemporaryDirectory() as tmp:
        ours = checkpoints.BackupAndRestore(os.path.join(tmp, "ours"), tracked=[stopper], report=lambda s: None)
        theirs = keras.callbacks.BackupAndRestore(os.path.join(tmp, "keras"))
        times = {}
        for name, callback in (("keras", theirs), ("verified", ours)):
            callback.set_model(model)
            callback.set_params({"epochs": args.repeats})
            start = time.perf_counter()
            for epoch in range(args.repeats):
                callback.on_epoch_end(epoch, {"loss": 1.0})
            times[name] = (time.perf_counter() - start) / args.repeats
        size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(os.path.join(tmp, "ours")) for f in fs)
    print(f"model: {model.count_params():,} weights (+ Adam state); backup {size / 2 ** 20:.1f} MiB "
          f"(with early stopping's best weights)")
    print(f"keras BackupAndRestore: {times['keras'] * 1e3:.1f} ms per epoch")
    print(f"verified atomic backup: {times['verified'] * 1e3:.1f} ms per epoch")
    print(f"ratio verified / keras: {times['verified'] / times['keras']:.2f}")


if __name__ == "__main__":
    main()
