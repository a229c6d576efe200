"""Method-specific runtime code with typed arguments (no config): for each method, the task the
generic trainer runs (training step, test pass) and what only that method needs. The
:mod:`s2hand.experiment` layer builds them from a config."""
