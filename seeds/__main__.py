"""`python -m seeds` (re)loads the demo district into the configured database;
`python -m seeds --scale N` fills an empty one with N times a large district.

On an empty database the demo loads; on a database that holds the demo it wipes and reloads;
a database with other data is left alone.
"""

from __future__ import annotations

import argparse
import sys
import time

from sqlalchemy import Engine

from db.engine import make_engine, make_sessionmaker, transaction
from db.migrate import upgrade_to_head
from seeds.demo import database_is_empty, holds_demo, load_demo, wipe
from seeds.scale import load_scale
from services.i18n import t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m seeds", description=t("seeds.help"))
    parser.add_argument("--scale", type=float, default=None, metavar="N",
                        help=t("seeds.scale_help"))
    args = parser.parse_args(argv)
    engine = make_engine()
    upgrade_to_head(engine)
    if args.scale is not None:
        return _scale(engine, args.scale)
    with transaction(make_sessionmaker(engine)) as session:
        if not database_is_empty(session):
            if not holds_demo(session):
                print(t("seeds.refuse_foreign_data"), file=sys.stderr)
                return 2
            wipe(session)
        load_demo(session, progress=lambda step: print(t("seeds.progress", step=step)))
    print(t("seeds.loaded", url=engine.url.render_as_string(hide_password=True)))
    return 0


def _scale(engine: Engine, scale: float) -> int:
    if scale <= 0:
        print(t("seeds.scale_positive"), file=sys.stderr)
        return 2
    started = time.perf_counter()
    with transaction(make_sessionmaker(engine)) as session:
        if not database_is_empty(session):
            print(t("seeds.scale_needs_empty"), file=sys.stderr)
            return 2
        load_scale(session, scale)
    print(t("seeds.scale_loaded", scale=scale, seconds=time.perf_counter() - started,
            url=engine.url.render_as_string(hide_password=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
