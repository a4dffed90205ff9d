"""`python -m seeds` (re)loads the demo district into the configured database.

On an empty database it loads; on a database that holds the demo it wipes and reloads;
a database with other data is left alone.
"""

from __future__ import annotations

import argparse
import sys

from db.engine import make_engine, make_sessionmaker, transaction
from db.migrate import upgrade_to_head
from seeds.demo import database_is_empty, holds_demo, load_demo, wipe
from services.i18n import t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m seeds", description=t("seeds.help"))
    parser.parse_args(argv)
    engine = make_engine()
    upgrade_to_head(engine)
    with transaction(make_sessionmaker(engine)) as session:
        if not database_is_empty(session):
            if not holds_demo(session):
                print(t("seeds.refuse_foreign_data"), file=sys.stderr)
                return 2
            wipe(session)
        load_demo(session, progress=lambda step: print(t("seeds.progress", step=step)))
    print(t("seeds.loaded", url=engine.url.render_as_string(hide_password=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
