"""moto's own server with moto_additions.py, moto_tls_only_policy.py, moto_rds_default_ca.py and
moto_web_group_additions.py (beside this file) installed; the tests' emulator (emulator.py) runs this.

    python -m tests.support.moto_server -H 127.0.0.1 -p 5000        (from the project root; moto.server's own arguments)

It installs the additions on moto's classes in this process, then hands the arguments to moto.server's main.
"""

from __future__ import annotations

import sys

from moto import server

from tests.support import moto_additions, moto_rds_default_ca, moto_tls_only_policy, moto_web_group_additions


def main(argv: list[str]) -> None:
    moto_additions.install()
    moto_tls_only_policy.install()
    moto_rds_default_ca.install()
    moto_web_group_additions.install()
    server.main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
