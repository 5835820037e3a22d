"""regionmap's benchmark harness: ``python -m bench [--quick] [--only NAME]`` (see bench/__main__.py)."""
