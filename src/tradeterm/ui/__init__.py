"""The Textual workstation: panes, screens, keys and themes over the engine's state."""
