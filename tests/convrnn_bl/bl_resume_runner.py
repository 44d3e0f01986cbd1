"""Fine-tunes a tiny real BL in its own process (for the resume tests).

``python bl_resume_runner.py prepare ROOT`` writes ROOT/data (16 classes of real Fashion-MNIST
PNGs) and ROOT/bl_imagenet.h5 (a pretrained-layout BL); ``python bl_resume_runner.py train ROOT
MODEL_DIR EPOCHS`` runs ``train_bl`` and writes the returned history to MODEL_DIR/history.json and
the final weights to MODEL_DIR/final.npz.
``DRC_KILL_AT=bl:<epoch>:<batch|backup>`` kills it with SIGKILL at that point."""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")
SMALL = dict(image_size=64, width_multiplier=0.0625)


def prepare(root):
    import keras
    import numpy as np

    from convrnn_bl.models import bl_net
    from convrnn_bl.weights import save_keras2_weights
    from drc.core import datasets

    (x, y), _ = datasets.load_fashion_mnist_subset()
    for split, per_class, offset in (("train_16classes", 3, 0), ("val_16classes", 1, 10)):
        for c in range(16):
            folder = os.path.join(root, "data", split, f"class{c:02d}")
            os.makedirs(folder, exist_ok=True)
            picks = np.flatnonzero(y == c % 10)[offset + 3 * (c // 10):][:per_class]
            for k, i in enumerate(picks):
                keras.utils.save_img(os.path.join(folder, f"img{k}.png"), np.repeat(x[i], 3, axis=-1))
    keras.utils.set_random_seed(0)
    save_keras2_weights(bl_net(keras.Input((64, 64, 3)), 1000, width_multiplier=0.0625),
                        os.path.join(root, "bl_imagenet.h5"))


def train(root, model_dir, epochs):
    import keras
    import numpy as np

    from convrnn_bl.training import train_bl

    keras.utils.set_random_seed(0)
    out = train_bl(os.path.join(root, "data"), model_dir, "color", batch_size=16, epochs=int(epochs),
                   weights=os.path.join(root, "bl_imagenet.h5"), seed=0, verbose=2, **SMALL)
    with open(os.path.join(model_dir, "history.json"), "w") as f:
        json.dump(out["history"], f)
    np.savez(os.path.join(model_dir, "final.npz"), *keras.saving.load_model(out["model_path"]).get_weights())


def main(argv):
    return prepare(*argv[1:]) if argv[0] == "prepare" else train(*argv[1:])


if __name__ == "__main__":
    from drc.core.cli import run_cli

    run_cli(main, sys.argv[1:], prog="bl_resume_runner")
