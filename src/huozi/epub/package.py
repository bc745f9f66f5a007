"""Reproducible zip: mimetype first and stored, fixed timestamps, stable order."""
from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable, Mapping

EPOCH_1980 = 315532800  # the earliest time a zip entry can hold


def zip_date(epoch: int) -> tuple[int, int, int, int, int, int]:
    """A zip entry timestamp (UTC) for `epoch`, clamped to the zip format's range."""
    return time.gmtime(max(epoch, EPOCH_1980))[:6]


def normalise_zip(data: bytes, epoch: int, changes: Mapping[str, Callable[[bytes], bytes]] | None = None) -> bytes:
    """Rewrite an EPUB zip so the same content always gives the same bytes; an entry named in
    `changes` is written as its function makes it from the entry's bytes."""
    changes = changes or {}
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    order = ["mimetype"] + sorted(n for n in names if n != "mimetype")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=zip_date(epoch))
            info.external_attr = 0o644 << 16
            info.create_system = 3
            if name == "mimetype":
                info.compress_type = zipfile.ZIP_STORED
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(name)
            target.writestr(info, changes[name](content) if name in changes else content,
                            compresslevel=9 if name != "mimetype" else None)
    return out.getvalue()
