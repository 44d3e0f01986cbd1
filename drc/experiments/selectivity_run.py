"""The selectivity experiment of ``scripts/experiments/drc_selectivity.py`` end to end.

:func:`run_selectivity` checks the options and the output folder, trains a small 10-step DRC
student when none is given (``drc.experiments.quick_student``), measures the drifting-grating
responses of the student and of an untrained control, writes the report to ``out`` and prints
its summary. ``--quick`` is :data:`QUICK_GRID` with the tiny :data:`QUICK_STUDENT`.
"""
import os
import time

from drc.core.errors import UsageError

OUTPUTS = ("summary.json", "units.csv", "matrices.npz", "preferred_frequencies.png", "separability_hist.png",
           "matrices_trained.png", "matrices_untrained.png")
QUICK_GRID = dict(spatial=[0.5, 1.5, 2.5, 3.5], temporal=[0.0, 0.1, 0.25, 0.5], n_directions=4, n_phases=3)
#: --quick's student (the small CPU student at its smallest, one epoch each).
QUICK_STUDENT = dict(rnn_layer1=8, rnn_layer2=8, teacher_epochs=1, student_epochs=1)


def run_selectivity(student=None, teacher=None, out=os.path.join("results", "drc_selectivity"), where="centre",
                    layer=None, spatial=None, temporal=None, directions=8, phases=4, contrast=1.0, skip=1, seed=0,
                    teacher_epochs=2, student_epochs=2, quick=False, overwrite=False):
    """Runs the analysis (the script's flags as arguments); returns the summary dict.

    Everything is checked before ``out`` is created. With ``quick``, ``directions`` and
    ``phases`` other than their defaults (8, 4) replace the quick grid's."""
    from drc.core.validation import check_int, check_model_file, check_out_folder

    if student:
        check_model_file(student, "--student")
    check_out_folder(out, "--out")
    if teacher:
        check_model_file(teacher, "--teacher")
    check_int(seed, "--seed", minimum=0, maximum=2 ** 32 - 1)
    check_int(skip, "--skip", minimum=0)
    for flag, value in (("teacher_epochs", teacher_epochs), ("student_epochs", student_epochs)):
        if value < 1:
            raise UsageError(f"--{flag} {value} must be at least 1")
    grid = dict(QUICK_GRID) if quick else dict(n_directions=directions, n_phases=phases)
    for key, value, default in (("n_directions", directions, 8), ("n_phases", phases, 4)):
        if value != default:
            grid[key] = value
    for key, value in (("spatial", spatial), ("temporal", temporal)):
        if value is not None:
            grid[key] = value
    grid["contrast"] = contrast
    from drc.experiments import selectivity

    selectivity.GratingGrid.regular(**{"spatial": [1.0], "temporal": [0.0], **grid, "n_steps": 1})  # checks
    from drc.experiments.selectivity_report import load_student, preprocessing_for, write_report

    model = None
    if student:
        model = load_student(student)
        selectivity.early_layer(model, layer)
    elif layer is not None:  # the student to be trained: its layer names from an untrained copy
        from drc.experiments.quick_student import quick_student_layer_names

        sizes = {k: QUICK_STUDENT[k] for k in ("rnn_layer1", "rnn_layer2")} if quick else {}
        names = quick_student_layer_names(**sizes)
        if layer not in names:
            raise UsageError(f"the student to be trained will have no layer {layer!r}; layers: {names}")
    from drc.core.runs import check_out_dir

    check_out_dir(out, OUTPUTS, overwrite)

    start = time.perf_counter()
    extra, student_path = {}, student
    if student_path is None:
        from drc.experiments.quick_student import train_quick_student

        sizes = dict(QUICK_STUDENT) if quick else dict(teacher_epochs=teacher_epochs, student_epochs=student_epochs)
        student_path, teacher, row = train_quick_student(os.path.join(out, "runs"), seed=seed, **sizes)
        extra["training"] = {"test_accuracy_mean": row["test_accuracy_mean"],
                             "test_accuracy_std": row["test_accuracy_std"],
                             "teacher_val_accuracy": row.get("teacher_val_accuracy"),
                             "seconds": round(time.perf_counter() - start, 1), **sizes}
    preprocessing, source = preprocessing_for(student_path, teacher)
    model = load_student(student_path) if model is None else model
    extra.update(student=student_path, preprocessing=source)
    summary = write_report(model, grid, preprocessing, out, where=where, layer=layer, skip=skip, seed=seed,
                           extra=extra)
    for name in ("trained", "untrained"):
        s = summary[name]
        print(f"{name}: {s['units']} units; separability median {s['separability']['median']:.4f} "
              f"(IQR {s['separability']['q25']:.4f}-{s['separability']['q75']:.4f}); preferred SF counts "
              f"{s['preferred_sf_counts']}; preferred TF counts {s['preferred_tf_counts']}")
    print(f"wrote {out}/summary.json and {', '.join(summary['outputs'])} in {time.perf_counter() - start:.0f} s")
    return summary
