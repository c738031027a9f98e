"""Configuration: pydantic models of config.toml, loading, validation and writing."""
