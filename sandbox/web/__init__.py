"""HTTP plumbing shared by the simulated systems: counting, fault injection, JSON replies."""
