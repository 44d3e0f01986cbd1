"""Names users type (model names), importable without TensorFlow."""
MODELS = ("what", "where", "stn_28x28", "stn", "atn", "polo_atn")
TRANSFORMERS = ("stn_28x28", "stn", "atn", "polo_atn")
