"""The on-disk log store: JSON lines in `<scripts folder>/.hoody/logs/`.

Layout: numbered segments `00000001.jsonl`, `00000002.jsonl`, …; the highest number
is the one being written. Segments are only ever appended to, or deleted whole
(rotation cap, `logs/clear`), or replaced by a filtered copy (`logs/clear` with a
filter), so a position `seq.offset` (a byte offset in a segment) names the same line
for as long as the line exists: cursors, entry ids and `Last-Event-ID` are positions.

Several Granian worker processes write at once, without a lock on the hot path:
- Each line is one `write()` on an `O_APPEND` descriptor, so lines never interleave.
- Rotation (and clearing) creates segment N+1 under an exclusive `flock` of
  `logs/.lock`; a writer sees N+1 before each write and moves on to it.
- A writer holds a *shared* `flock` on its segment while it checks for N+1 and
  writes. A reader that needs a finished segment (N while N+1 exists) takes an
  *exclusive* `flock` on N once ("sealing"): that waits for writes in flight, and
  every later writer sees N+1. After that N never grows, so paging through it can
  neither miss nor repeat a line.
The cost per line is five system calls (two flocks, a stat, an fstat, the write).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

LOGS_DIR = "logs"
SEGMENT_SUFFIX = ".jsonl"
_SEGMENT = re.compile(r"^(\d{8})\.jsonl$")
_CHUNK = 256 * 1024
# One stored line at most; larger entries are shortened by the writer (logging.py).
MAX_LINE_BYTES = 64 * 1024


@dataclass(frozen=True, order=True)
class Position:
    """A place between two lines: byte `offset` of segment `seq`."""

    seq: int
    offset: int

    def __str__(self) -> str:
        return f"{self.seq}.{self.offset}"

    @classmethod
    def parse(cls, text: str) -> Position:
        seq, dot, offset = text.partition(".")
        if not (dot and seq.isdigit() and offset.isdigit()):
            raise ValueError(f"{text!r} is not a log position (SEQ.OFFSET)")
        return cls(int(seq), int(offset))


@dataclass(frozen=True)
class Line:
    start: Position
    end: Position
    raw: bytes  # without the newline


@dataclass(frozen=True)
class SegmentInfo:
    seq: int
    path: Path
    size: int
    inode: int


class LogStore:
    """Writer and reader of one scripts folder's stored logs (one object per process)."""

    def __init__(self, folder: Path, *, max_bytes: int, files: int) -> None:
        self.folder = folder
        self.max_bytes = max(max_bytes, 1024)
        self.files = max(files, 2)
        self.segment_bytes = max(self.max_bytes // self.files, 512)
        self._check_every = max(min(64 * 1024, self.segment_bytes // 8), 1)
        self._lock = threading.Lock()
        self._fd = -1
        self._seq = 0
        self._next = ""  # path of segment _seq + 1, as a string (a stat per line)
        self._pid = 0
        self._written = 0
        self._sealed: set[tuple[int, int]] = set()  # (seq, inode)

    # ------------------------------------------------------------ layout
    def path(self, seq: int) -> Path:
        return self.folder / f"{seq:08d}{SEGMENT_SUFFIX}"

    def segments(self) -> list[int]:
        try:
            names = os.listdir(self.folder)
        except FileNotFoundError:
            return []
        return sorted(int(m.group(1)) for n in names if (m := _SEGMENT.match(n)))

    def infos(self) -> list[SegmentInfo]:
        out = []
        for seq in self.segments():
            path = self.path(seq)
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            out.append(SegmentInfo(seq, path, st.st_size, st.st_ino))
        return out

    def _ensure_folder(self) -> None:
        if not self.folder.is_dir():
            # The state folder is private (0700) like the admin token in it.
            self.folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.folder.mkdir(mode=0o700, exist_ok=True)

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """The store-wide lock for rotation, pruning and clearing (all processes)."""
        self._ensure_folder()
        fd = os.open(self.folder / ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    # ------------------------------------------------------------ writing
    def append(self, line: bytes) -> None:
        """Store one line (`line` ends with a newline). Never raises: a full disk or a
        removed folder must not fail a request; stderr still shows the line."""
        with self._lock:
            try:
                self._append(line)
            except OSError:
                self._close()

    def _append(self, line: bytes) -> None:
        if self._fd < 0 or self._pid != os.getpid():
            self._open_newest()
        for _ in range(8):
            fd = self._fd
            fcntl.flock(fd, fcntl.LOCK_SH)
            try:
                # A newer segment exists (rotated or cleared), or ours was deleted.
                moved = os.path.exists(self._next) or os.fstat(fd).st_nlink == 0
                if not moved:
                    os.write(fd, line)
                    break
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
            self._open_newest()
        else:
            return
        self._written += len(line)
        if self._written >= self._check_every:
            self._written = 0
            if os.fstat(self._fd).st_size >= self.segment_bytes:
                self._rotate()

    def _close(self) -> None:
        if self._fd >= 0 and self._pid == os.getpid():
            with contextlib.suppress(OSError):
                os.close(self._fd)
        self._fd = -1

    def _open_newest(self) -> None:
        self._close()
        self._ensure_folder()
        for _ in range(8):
            seqs = self.segments()
            seq = seqs[-1] if seqs else 1
            # Only the very first segment is created here; any other was created by a
            # rotation, and one that vanished meanwhile (a clear) must not come back.
            flags = os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC | (0 if seqs else os.O_CREAT)
            try:
                self._fd = os.open(self.path(seq), flags, 0o600)
            except FileNotFoundError:
                continue
            self._seq, self._next = seq, str(self.path(seq + 1))
            self._pid = os.getpid()
            return
        raise OSError("the log folder keeps changing")

    def _rotate(self) -> None:
        with self._exclusive():
            seqs = self.segments()
            newest = seqs[-1] if seqs else 0
            if newest == self._seq and os.fstat(self._fd).st_size >= self.segment_bytes:
                self._new_segment(newest + 1)
            elif newest != self._seq:
                self._open_newest()
            self._prune()

    def _new_segment(self, seq: int) -> None:
        """Called with the store lock held: segment `seq` becomes the newest."""
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
        while True:
            try:
                fd = os.open(self.path(seq), flags, 0o600)
                break
            except FileExistsError:
                # Only the very first segment is created without the lock (by a
                # writer of an empty store): go past it.
                seq = max(seq, *self.segments()) + 1
        if self._pid == os.getpid() and self._fd >= 0:
            self._close()
        self._fd, self._seq, self._pid = fd, seq, os.getpid()
        self._next = str(self.path(seq + 1))

    def _prune(self) -> None:
        """Called with the store lock held: oldest segments go until the caps hold."""
        infos = self.infos()
        total = sum(i.size for i in infos)
        for info in infos[:-1]:
            if len(infos) <= self.files and total <= self.max_bytes and info.size > 0:
                break
            with contextlib.suppress(FileNotFoundError):
                info.path.unlink()
            infos = infos[1:]
            total -= info.size

    def clear(self, keep: Callable[[bytes], bool] | None = None) -> tuple[int, int, int]:
        """Remove every stored line (or those `keep` refuses): (files, lines, bytes) removed.

        A new segment is started first, so writers carry on there while the older
        segments are deleted, or rewritten without the removed lines (a filtered copy
        renamed over the original: readers with it open still read the old file).
        """
        with self._lock, self._exclusive():
            seqs = self.segments()
            self._new_segment((seqs[-1] if seqs else 0) + 1)
        # NOTE: the rest holds no lock: the older segments are finished (sealed below)
        # and a log call of this process (on the event loop) must not wait for it.
        files = lines = freed = 0
        for seq in seqs:
            path = self.path(seq)
            self._seal(seq)
            if keep is None:
                try:
                    lines += _count_lines(path)
                    freed += path.stat().st_size
                    path.unlink()
                except FileNotFoundError:
                    continue
                files += 1
                continue
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                continue
            # The part after the last newline is an unfinished line: dropped.
            parts = data.split(b"\n")[:-1]
            kept_parts = [p for p in parts if keep(p)]
            if len(kept_parts) == len(parts):
                continue
            lines += len(parts) - len(kept_parts)
            kept = b"".join(p + b"\n" for p in kept_parts)
            freed += len(data) - len(kept)
            if not kept:
                path.unlink(missing_ok=True)
                files += 1
                continue
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(kept)
            os.chmod(tmp, 0o600)
            if path.exists():  # not pruned meanwhile: a pruned file must not return
                os.replace(tmp, path)
            else:
                tmp.unlink()
        return files, lines, freed

    def clamp(self, position: Position) -> Position:
        """A position that exists: one past the end (a stale or made-up cursor) → the end."""
        seqs = self.segments()
        if not seqs or position.seq > seqs[-1]:
            return self.end()
        if position.seq < seqs[0]:
            return position
        try:
            size = self.path(position.seq).stat().st_size
        except FileNotFoundError:
            return position
        if position.offset <= size:
            return position
        return self.end() if position.seq == seqs[-1] else Position(position.seq, size)

    # ------------------------------------------------------------ reading
    def _seal(self, seq: int) -> None:
        """Wait for writes in flight to `seq` (a newer segment exists): then it never grows."""
        try:
            fd = os.open(self.path(seq), os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return
        try:
            key = (seq, os.fstat(fd).st_ino)
            if key in self._sealed:
                return
            fcntl.flock(fd, fcntl.LOCK_EX)
            fcntl.flock(fd, fcntl.LOCK_UN)
            if len(self._sealed) > 10_000:
                self._sealed.clear()
            self._sealed.add(key)
        finally:
            os.close(fd)

    def start(self) -> Position:
        seqs = self.segments()
        return Position(seqs[0] if seqs else 1, 0)

    def end(self) -> Position:
        """Just after the last complete line (where a live tail starts)."""
        seqs = self.segments()
        if not seqs:
            return Position(1, 0)
        seq = seqs[-1]
        try:
            with open(self.path(seq), "rb") as f:
                size = f.seek(0, os.SEEK_END)
                back = min(size, _CHUNK)
                f.seek(size - back)
                tail = f.read(back)
        except FileNotFoundError:
            return Position(seq, 0)
        cut = tail.rfind(b"\n")
        return Position(seq, size - back + cut + 1 if cut >= 0 else size - back)

    def advance(self, position: Position) -> Position:
        """`position`, moved to the start of the next segment when its own is finished
        and fully read (a live tail must not stay behind a rotation)."""
        seqs = [s for s in self.segments() if s >= position.seq]
        if not seqs:
            return position
        if seqs[0] != position.seq:
            return Position(seqs[0], 0)
        if len(seqs) == 1:
            return position
        self._seal(position.seq)
        try:
            size = self.path(position.seq).stat().st_size
        except FileNotFoundError:
            return Position(seqs[1], 0)
        return Position(seqs[1], 0) if position.offset >= size else position

    def first_line(self, seq: int) -> bytes | None:
        try:
            with open(self.path(seq), "rb") as f:
                line = f.readline(MAX_LINE_BYTES + 1)
        except FileNotFoundError:
            return None
        return line[:-1] if line.endswith(b"\n") else None

    def forward(self, start: Position | None = None) -> Iterator[Line]:
        """Complete lines from `start` (inclusive) to the current end, oldest first."""
        seqs = self.segments()
        if not seqs:
            return
        start = start or Position(seqs[0], 0)
        for i, seq in enumerate(seqs):
            if seq < start.seq:
                continue
            offset = start.offset if seq == start.seq else 0
            if i < len(seqs) - 1:
                self._seal(seq)
            yield from self.segment_lines(seq, offset)

    def segment_lines(self, seq: int, offset: int = 0) -> Iterator[Line]:
        """Complete lines of one segment from `offset`, oldest first."""
        try:
            f = open(self.path(seq), "rb")  # noqa: SIM115 (a generator holds it)
        except FileNotFoundError:
            return
        with f:
            if offset > 0:
                # A position inside a line (a segment rewritten by a filtered clear):
                # go on from the next line start.
                f.seek(offset - 1)
                if f.read(1) != b"\n":
                    rest = f.readline()
                    offset += len(rest)
            f.seek(offset)
            pos = offset
            pending = b""
            while True:
                chunk = f.read(_CHUNK)
                if not chunk:
                    return
                data = pending + chunk
                base = pos - len(pending)
                cut = data.rfind(b"\n")
                if cut < 0:
                    pending = data
                    pos += len(chunk)
                    continue
                begin = 0
                while True:
                    nl = data.find(b"\n", begin, cut + 1)
                    if nl < 0:
                        break
                    yield Line(
                        Position(seq, base + begin), Position(seq, base + nl + 1), data[begin:nl]
                    )
                    begin = nl + 1
                pending = data[cut + 1 :]
                pos += len(chunk)

    def backward(self, end: Position | None = None) -> Iterator[Line]:
        """Complete lines before `end` (exclusive), newest first."""
        seqs = self.segments()
        for i in range(len(seqs) - 1, -1, -1):
            seq = seqs[i]
            if end is not None and seq > end.seq:
                continue
            if i < len(seqs) - 1:
                self._seal(seq)
            yield from self._backward_segment(seq, end.offset if end and seq == end.seq else None)

    def _backward_segment(self, seq: int, limit: int | None) -> Iterator[Line]:
        try:
            f = open(self.path(seq), "rb")  # noqa: SIM115 (a generator holds it)
        except FileNotFoundError:
            return
        with f:
            size = f.seek(0, os.SEEK_END)
            pos = size if limit is None else min(limit, size)
            # buf is file[pos : pos + len(buf)]; once `started` it ends with a newline.
            # Anything after the last newline below the top is a line still being
            # written (or a cursor inside a line of a rewritten segment): skipped.
            buf = b""
            started = False
            while pos > 0:
                step = min(_CHUNK, pos)
                pos -= step
                f.seek(pos)
                buf = f.read(step) + buf
                if not started:
                    cut = buf.rfind(b"\n")
                    if cut < 0:
                        continue
                    buf = buf[: cut + 1]
                    started = True
                last = len(buf) - 1
                while True:
                    prev = buf.rfind(b"\n", 0, last)
                    if prev < 0:
                        break
                    yield Line(
                        Position(seq, pos + prev + 1),
                        Position(seq, pos + last + 1),
                        buf[prev + 1 : last],
                    )
                    last = prev
                # The first line in buf may start in the chunk before.
                buf = buf[: last + 1]
            if started and buf:
                yield Line(Position(seq, 0), Position(seq, len(buf)), buf[:-1])


def _count_lines(path: Path) -> int:
    count = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK * 4):
            count += chunk.count(b"\n")
    return count


_stores: dict[Path, LogStore] = {}
_stores_lock = threading.Lock()


def store_for(root: Path, *, max_bytes: int, files: int) -> LogStore:
    """The one store object of this process for a scripts folder."""
    folder = root / ".hoody" / LOGS_DIR
    with _stores_lock:
        store = _stores.get(folder)
        if store is None or (store.max_bytes, store.files) != (max(max_bytes, 1024), files):
            store = _stores[folder] = LogStore(folder, max_bytes=max_bytes, files=files)
        return store
