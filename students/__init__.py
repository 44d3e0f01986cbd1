"""Recurrent students for DRC: ConvGRU2D and student3."""
from students.conv_gru import ConvGRU2D, ConvGRU2DCell, tf2_hard_sigmoid
from students.student import CONV_RNN_TYPES, TIME_POOLS, infer_upsample, student3

__all__ = [
    "ConvGRU2D",
    "ConvGRU2DCell",
    "tf2_hard_sigmoid",
    "student3",
    "infer_upsample",
    "CONV_RNN_TYPES",
    "TIME_POOLS",
]
