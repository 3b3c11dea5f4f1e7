"""Private implementations behind ``torchlike.nn.functional`` (one file per family)."""
