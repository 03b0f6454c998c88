"""``main.py`` with a failure injected on rank 1 at its second batch, for
tests/test_distributed.py (torchrun runs this file in place of main.py)."""
from __future__ import annotations

import os
import sys

from app.cli import main
from app.engine import loop

_original_pass = loop.Trainer._pass


def _failing_pass(self, images, masks, sync=True):
    if os.environ.get("RANK") == "1" and self.state.batch == 1:
        raise loop.NonFiniteLoss("the loss became nan at epoch 1, batch 2 (injected on "
                                 "rank 1)")
    return _original_pass(self, images, masks, sync)


loop.Trainer._pass = _failing_pass

if __name__ == "__main__":
    sys.exit(main())
