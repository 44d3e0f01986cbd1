"""Recurrent students for DRC: ConvGRU2D and student3."""
