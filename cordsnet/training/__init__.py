"""The original's six-stage training pipeline for CordsNet, one library function per stage.

1. ``run_compatibility``: the equivalent CNN (BN after each conv, no time) — ``1_compatibility_*``.
2. ``run_folding``: batch norm folded into the weights and (C, H, W) biases — ``1_compatibility_fused``.
3. ``run_inverse``: recurrent weights fitted so the 4-term Neumann series of each area matches
   the CNN's layer — ``2_inverse_*``.
4. ``run_linear``: the linear RNN (ramped cross-entropy over steps 70..99) — ``3_linear_*``.
5. ``run_parametric``: the anneal to ReLU (fixed PReLU slope schedule, spontaneous-activity
   penalty) — ``4_parametric_*``.
6. ``run_finetune``: the ReLU CordsNet, from stage 5 or from scratch — ``5_finetune_*``.

Checkpoints are ``.pth`` files in the original's layout under ``results_{depth}_{dataset}/``.
"""
