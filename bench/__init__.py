"""Page benchmark: `python -m bench --json FILE [--scale N]`."""
