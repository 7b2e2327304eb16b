"""cases stage: investigations, requests and decisions."""
