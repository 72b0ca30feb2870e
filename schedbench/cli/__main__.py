"""`python -m schedbench.cli` runs the command line."""

from schedbench.cli import main

main()
