"""Teacher CNNs for DRC: the style nets (v1, v2, baselines) and the split ResNet50."""
