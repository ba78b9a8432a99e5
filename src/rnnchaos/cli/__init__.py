"""The command line: ``rnnchaos`` (one option-parsing style, one handler module per family)."""
