"""Chat model loading and generation."""
