"""The workstation's panes: each takes a snapshot of engine state and draws it."""
