"""rnnchaos.deciders."""
