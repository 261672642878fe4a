"""The national library of promising practice."""
