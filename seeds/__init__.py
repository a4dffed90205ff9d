"""Demo and scale data for Union Desk."""
