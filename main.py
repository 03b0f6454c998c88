"""U-Net Studio: the GUI by default, sub-commands for headless work (see README)."""
import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
