"""Experiments on trained DRC models (analyses of the paper's claims)."""
