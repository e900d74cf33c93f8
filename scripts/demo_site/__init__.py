"""Build the offline demo web site of invented outlets from config/demo/stories/*.toml."""
