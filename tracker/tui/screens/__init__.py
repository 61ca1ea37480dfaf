"""Screens of the terminal UI: case list, case detail, decision, editing, dashboard, operations, help."""
