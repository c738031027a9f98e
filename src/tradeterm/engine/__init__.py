"""The engine: one object that owns trading state, fed by venues through small ports."""
