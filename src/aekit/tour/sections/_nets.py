"""The tour's quick networks: half the width of the benchmarked ones, so that every section
trains in seconds to a minute on one core and the whole tour stays within 10 minutes."""

SMALL = dict(channels=[16, 32], kernel_size=4, fc_hidden=[128])
MOVES = "shift:2,rotate:10,scale:0.1"  # a de-noising corruption that moves the digit (benchmarks' recipe)
# a 4x4 grid of codes (three stride-2 stages); no residual blocks: 3.5x faster, codebooks as healthy
VQ_NET = {"channels": [16, 32, 64], "grid": True, "blocks": 0}
