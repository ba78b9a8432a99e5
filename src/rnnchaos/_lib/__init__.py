"""rnnchaos._lib."""
