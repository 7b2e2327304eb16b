"""enforce stage: orders that make a decision happen on the provider's control plane, acknowledged and audited."""
