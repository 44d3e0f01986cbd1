"""DRC: the Dynamical Recurrent Classifier's sensor, trajectories, data pipeline and training.

Data flows: datasets -> trajectories + sensor -> data pipeline -> students/teachers -> training.
"""
