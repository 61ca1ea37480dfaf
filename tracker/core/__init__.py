"""The domain core: models, rule packs, the rule engine, the workflow and the calendar.

Nothing in this package may import git, subprocess, Textual or any other tracker layer
(tests/test_layers.py enforces it), so the same rules serve the CLI, the TUI, the hooks and
the verifier.
"""
