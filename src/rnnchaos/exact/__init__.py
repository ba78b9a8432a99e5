"""rnnchaos.exact."""
