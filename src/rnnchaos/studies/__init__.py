"""rnnchaos.studies."""
