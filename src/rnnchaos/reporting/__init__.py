"""rnnchaos.reporting."""
