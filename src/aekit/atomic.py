"""Write files so that a crash never leaves a half-written output (temp file + rename).

Every file aekit writes (arrays, figures, reports, scores, codec streams) goes
through :func:`atomic_file`; checkpoints, which are folders, use the same idea
in ``checkpoint.py``.

The result has the mode a plain ``open(path, "w")`` would give: the mode of the file it
replaces, or ``0o666`` less the user's umask for a new file (0644 under the usual umask 022).
Temporary files are created 0600 (``mkstemp``), which would make models, figures and tables
unreadable to the rest of a team, so the mode is set before the rename.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import Iterator


def umask() -> int:
    """The process's umask, read without changing it where Linux shows it (``/proc``): setting it
    to read it back would race with other threads creating files."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def plain_mode(path: str | os.PathLike, *, directory: bool = False) -> int:
    """The permission bits a plain write (or ``mkdir``) of ``path`` would leave: those of what is
    there now (if it is of the same kind), else ``0o666`` (``0o777`` for a folder) less the umask."""
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode) == directory:
            return stat.S_IMODE(st.st_mode)
    except OSError:
        pass
    return (0o777 if directory else 0o666) & ~umask()


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success it replaces ``path`` in one rename.

    On any error (or Ctrl-C) the temporary file is removed and ``path`` keeps its old content.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix or ".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as f:  # data on disk before the rename makes it visible
            os.fsync(f.fileno())
        os.chmod(tmp, plain_mode(path))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_file(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_file(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)
