"""The names of the BL experiment's outputs (``drc.core.runs.check_out_dir`` refuses a folder
that holds any of them unless ``--overwrite``)."""

OUTPUTS = ("results.csv", "table.md", "per_step.png", "speed_accuracy.png", "run_info.json")
