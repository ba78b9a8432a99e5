"""rnnchaos.networks."""
