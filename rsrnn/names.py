"""Names users type (no TensorFlow import): the models of ``--model``."""

MODEL_NAMES = ("rsrnn", "base_retina", "crop", "fixed_retina", "cnn")
