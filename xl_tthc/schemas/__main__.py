"""``python -m xl_tthc.schemas``: write the validator modules generated from the schemas (after editing one)."""

from __future__ import annotations

import sys

from xl_tthc.schemas import NAMES, module_path, write_all


def main() -> int:
    written = write_all()
    for name in NAMES:
        path = module_path(name)
        sys.stdout.write(f"{path.name}: {'written' if path in written else 'up to date'}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
