"""The built-in scenarios, one TOML file each (``load_scenario(name)``)."""
