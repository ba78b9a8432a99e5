"""rnnchaos.dynamics."""
