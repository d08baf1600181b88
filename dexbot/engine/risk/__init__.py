"""Token risk: named factors, each with its measured value, weight and contribution, combined into an
explainable score from 0 (safe) to 100 (dangerous). A sell that reverts is a hard block at every level."""
