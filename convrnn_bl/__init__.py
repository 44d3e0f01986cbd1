"""The BL recurrent convnet family of Spoerer et al. and SATBench's speed-accuracy experiments."""
