"""Experiments with BL and its feed-forward control B on real images (see scripts/experiments/).

- :mod:`.conditions`: image preparation and the clean / noise / blur test conditions.
- :mod:`.fit`: the two models and their training on ``tf.data`` with ``model.fit``.
- :mod:`.evaluation`: softmax outputs per condition and the table of every number.
- :mod:`.outputs`: the output folder (an earlier run is never overwritten silently).
- :mod:`.report`: markdown tables, plots, run_info.json.
- :mod:`.speed_accuracy_run`: the whole experiment.
"""
