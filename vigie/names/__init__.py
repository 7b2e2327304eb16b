"""names stage."""
