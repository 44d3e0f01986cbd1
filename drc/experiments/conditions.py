"""The settings of the DRC paper's Table 1 (and the curved/straight comparison), with the paper's
CIFAR numbers, and how each is run here.

``kind``: ``teacher`` (full resolution), ``naive`` (the same network trained on images shrunk to
the sensor's resolution and enlarged back), ``averaged`` (the naive network's softmax averaged
over the frames of a sensor trajectory) or ``drc`` (a distilled ConvGRU student and the teacher's
retrained back end).

Not moving: the trajectory repeats the start position ``n_samples`` times. The pipeline draws it
as style ``xx1_intoy_rucci`` with ``traj_out_scale`` 0: start + 0 x drift, i.e. every point is the
start (no polar style of the original stands still: their first step has radius 3).
"""
import dataclasses
from typing import Optional, Tuple

CURVED = "spiral_2dir2"
STRAIGHT = "degenerate_fix2"
STATIC_STYLE = "xx1_intoy_rucci"
STATIC_OPTIONS = {"style": STATIC_STYLE, "traj_out_scale": 0.0}
STATIC_DESCRIPTION = ("not moving: every position is the start; drawn as style xx1_intoy_rucci with "
                      "traj_out_scale 0 (start + 0 x drift)")


@dataclasses.dataclass(frozen=True)
class Condition:
    """One row of the table: what runs, and the paper's test accuracy (%) on CIFAR-10/-100."""
    name: str
    label: str
    kind: str
    n_samples: int = 0
    broadcast: int = 1
    style: str = CURVED
    static: bool = False
    paper: Tuple[Optional[float], Optional[float]] = (None, None)

    def trajectory_options(self):
        """The pipeline's trajectory flags of this condition."""
        return dict(STATIC_OPTIONS) if self.static else {"style": self.style}


CONDITIONS = (
    Condition("teacher", "full resolution (teacher)", "teacher", paper=(96.83, 82.94)),
    Condition("naive_low_res", "low-res naive training", "naive", paper=(78.88, 54.41)),
    Condition("averaged_5", "averaged prediction, 5 steps", "averaged", n_samples=5, paper=(84.04, 61.56)),
    Condition("drc5_static", "DRC 5 steps, not moving", "drc", n_samples=5, static=True, paper=(75.87, 52.02)),
    Condition("drc5_nopos", "DRC 5 steps, without position", "drc", n_samples=5, broadcast=0, paper=(87.83, 67.23)),
    Condition("drc10_nopos", "DRC 10 steps, without position", "drc", n_samples=10, broadcast=0,
              paper=(90.16, 70.38)),
    Condition("drc5_pos", "DRC 5 steps, with position", "drc", n_samples=5, paper=(92.26, 74.23)),
    Condition("drc10_pos", "DRC 10 steps, with position", "drc", n_samples=10, paper=(94.77, 78.75)),
    Condition("drc5_pos_straight", "DRC 5 steps, with position, straight trajectories", "drc", n_samples=5,
              style=STRAIGHT),
)
BY_NAME = {c.name: c for c in CONDITIONS}
#: The student another analysis loads: DRC 10 steps with position, curved, seed 0.
SAVED_STUDENT = ("drc10_pos", 0)


def select(names=None):
    """The conditions named (in table order); all when ``names`` is None or empty."""
    if not names:
        return CONDITIONS
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise ValueError(f"unknown condition(s) {', '.join(unknown)}; allowed: {', '.join(BY_NAME)}")
    return tuple(c for c in CONDITIONS if c.name in set(names))
