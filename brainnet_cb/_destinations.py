"""Where outputs go: checked before a run, created exclusively, locked while written.

Every writer of the package (NetCDF results, Zarr stores, checkpoints, the
connectome writers, the command line) goes through the functions here:

- :func:`check_destination` before anything is simulated or compiled: the
  folder exists and this user may write in it; the path is not a symbolic link
  (writing would replace the link, not the file it points to); an existing
  path is replaced only with ``overwrite=True`` and only when it is of the kind
  the writer makes (a Zarr store, a checkpoint); no other run holds its lock.
- :class:`WriteLock`: a run holds an exclusive ``fcntl.flock`` on
  ``.<name>.lock`` beside its output (store, checkpoint, file) for as long as it
  writes it, so ``overwrite=True`` from another process is refused instead of
  deleting the output underneath it. A process killed with ``kill -9`` releases
  its lock with its file descriptors; the lock file left behind holds nothing.
  Every temporary file of an output is made while its lock is held, so one
  found by the next writer that takes the lock is what a killed writer left
  (a partly written ``.<name>.<id>.tmp``): :meth:`WriteLock.acquire` deletes
  it (:func:`stale_temporaries`), and repeated kills do not fill the disk.
- :func:`write_new_file` / :func:`publish`: the data go to a temporary file in
  the same folder (created with mode ``0o666`` less the umask, as any new file),
  which then takes the final name with ``os.link`` (fails if the name exists) or
  ``os.replace`` (``overwrite=True``). Two writers of one new path cannot both
  succeed: the second gets a clear error and its result is kept beside it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import pathlib
import re
import shutil
import uuid
import warnings

from .errors import BrainnetError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, the other checks still apply
    fcntl = None

__all__ = ["check_destination", "WriteLock", "lock_holder", "write_new_file", "publish", "publish_folder", "move_aside",
           "drop_moved_aside", "temporary_path", "open_new_binary", "stale_temporaries", "write_failure",
           "missing_folder", "label", "as_path", "suffix_problem", "NETCDF_SUFFIXES", "ZARR_SUFFIXES"]

#: Suffixes of a NetCDF file (refused as the name of a Zarr store) and of a Zarr store (refused for a NetCDF file).
NETCDF_SUFFIXES = (".nc", ".nc4", ".netcdf", ".cdf")
ZARR_SUFFIXES = (".zarr",)


def label(path, name=None) -> str:
    """How a message names ``path``: ``out='/x/run.zarr'`` (an argument) or ``'/x/run.zarr'``."""
    return f"{name}={str(path)!r}" if name else repr(str(path))


def suffix_problem(path, kind: str, *, writes="bn.write_netcdf writes a NetCDF file",
                   example=lambda p: repr(str(p))) -> str | None:
    """Why ``path`` is no name for a ``kind`` output, as its suffix is another format's; or None.

    ``kind`` is ``"netcdf"`` (one file, written by :func:`brainnet_cb.write_netcdf` and the command line) or
    ``"zarr"`` (a store, a folder, streamed by ``out=``). The one check of both writers, the case of the
    suffix ignored: a NetCDF name ending in ``.zarr``, or in any other suffix than a NetCDF one
    (:data:`NETCDF_SUFFIXES`; a name without a suffix passes: the command line adds ``.nc``), and a Zarr store
    named like a NetCDF file are refused. ``writes`` says who writes what (the command line: ``"brainnet-cb run
    writes a NetCDF file (its summary figure goes beside it as .png)"``), ``example(name)`` shows the fixed
    name (the command line: ``--out run.nc``). The text follows the path in the caller's message, which ends
    it::

        'run.zarr' ends in .zarr, the suffix of a Zarr store (a folder), but a NetCDF result is one file; ...
        'run.txt' ends in .txt, but bn.write_netcdf writes a NetCDF file; give a name ending in .nc (or .nc4, ...
        out='run.nc' names a NetCDF file, but out= streams the run to a Zarr store (a folder, e.g. 'run.zarr'); ...

    A path that is no ``str``, ``bytes`` or ``os.PathLike`` gives None: :func:`check_destination` says what
    is wrong with it.
    """
    if kind not in ("netcdf", "zarr"):
        raise ValueError(f"kind must be 'netcdf' or 'zarr'; got {kind!r}.")
    if not isinstance(path, (str, bytes, os.PathLike)):
        return None
    text = os.fsdecode(path)  # a bytes path named as text
    p = pathlib.Path(text)
    suffix = p.suffix.lower()
    if kind == "netcdf" and suffix in ZARR_SUFFIXES:
        return (f"ends in {p.suffix}, the suffix of a Zarr store (a folder), but a NetCDF result is one file; "
                f"name it {str(p.with_suffix('.nc'))!r}")
    if kind == "netcdf" and suffix and suffix not in NETCDF_SUFFIXES:
        # a suffix of letters replaced (run.txt -> run.nc), another kept (run.v2 -> run.v2.nc)
        fix = p.with_suffix(".nc") if suffix[1:].isalpha() else p.with_name(p.name + ".nc")
        return (f"ends in {p.suffix}, but {writes}; give a name ending in {NETCDF_SUFFIXES[0]} (or "
                f"{', '.join(NETCDF_SUFFIXES[1:])}), e.g. {example(fix)}")
    if kind == "zarr" and suffix in NETCDF_SUFFIXES:
        return (f"names a NetCDF file, but out= streams the run to a Zarr store (a folder, e.g. "
                f"{str(p.with_suffix('.zarr'))!r}); for a NetCDF file, write the returned Dataset: "
                f"bn.write_netcdf(ds, {text!r})")
    return None


def as_path(path, name, error, empty_fix="give the name of the file or folder to write") -> pathlib.Path:
    """``path`` (str, bytes or os.PathLike) as a Path; ``error`` naming ``name`` for another type or an empty one
    (which pathlib would read as ``'.'``, the current folder), ending with ``empty_fix``."""
    try:
        text = os.fspath(path)
    except TypeError:
        raise error(f"{name or 'the output path'} must be a str or os.PathLike; got {type(path).__name__}.") from None
    if not text:
        raise error(f"{name or 'the output path'} is empty; {empty_fix}.")
    return pathlib.Path(os.fsdecode(text)).expanduser()  # a bytes path too, as open() takes it; ~ as the readers


def lock_file(path) -> pathlib.Path:
    """The lock file of an output: ``.<name>.lock`` in the same folder."""
    path = pathlib.Path(path)
    return path.parent / f".{path.name}.lock"


def lock_holder(path):
    """Process id of the run that holds the lock of ``path`` now, or None when no run writes it."""
    if fcntl is None:
        return None
    try:
        fd = os.open(lock_file(path), os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return _pid_in(fd)
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _pid_in(fd):
    try:
        text = os.pread(fd, 32, 0).decode(errors="replace").strip()
    except OSError:
        text = ""
    return int(text) if text.isdigit() else "unknown"


def _locked_message(path, name, pid, overwrite_hint="overwrite=True") -> str:
    who = "this process" if pid == os.getpid() else f"process {pid}"
    return (f"{label(path, name)} is being written by another run ({who}); wait until it finishes or "
            f"choose another path. {overwrite_hint} never replaces an output that a run is still writing.")


def missing_folder(what, parent) -> str:
    """Why ``what`` cannot be written in ``parent``, which is no folder (without the full stop that ends the
    message): it does not exist, or it (or a folder above it) is a file, which "create it first" would not get
    past."""
    parent = pathlib.Path(parent)
    for above in (parent, *parent.parents):
        if above.is_dir():
            break
        if above.is_symlink() and not above.exists():  # a link to a folder that is gone (a scratch space)
            return (f"cannot write {what}: {str(above)!r} is a symbolic link to {os.readlink(above)!r}, which does "
                    "not exist; create that folder or choose another path")
        if above.exists() or above.is_symlink():
            return (f"cannot write {what}: {str(above)!r} is a file, not a folder; choose a path in a folder (or "
                    "move that file)")
    return f"cannot write {what}: the folder {str(parent)!r} does not exist; create it first or choose another path"


def check_destination(path, *, name=None, overwrite=False, error=BrainnetError, refuse_existing=None,
                      existing_ok=False, overwrite_hint="overwrite=True", held=None) -> pathlib.Path:
    """Check that a run may write ``path``; raise ``error`` naming the problem and its fix.

    Called before anything is simulated, so a run is never lost to an
    unwritable destination. Nothing is created or changed.

    Parameters
    ----------
    path : str or path-like
        The output (a file, or a folder such as a Zarr store).
    name : str, optional
        The argument that named it (``"out"``, ``"checkpoint"``), for messages.
    overwrite : bool
        Whether an existing ``path`` may be replaced.
    error : type
        The :class:`~brainnet_cb.errors.BrainnetError` subclass to raise.
    refuse_existing : callable, optional
        ``refuse_existing(path) -> str or None``: for an existing ``path``, why
        it must not be replaced even with ``overwrite=True`` (e.g. "is not a
        Zarr store"), or None.
    existing_ok : bool
        The run continues an existing ``path`` (a resumed run): it may exist.
    overwrite_hint : str
        How the user asks for replacement (``"--overwrite"`` on the command line).
    held : WriteLock, optional
        The caller's lock of ``path``, held: its own lock is not "another run writing".

    Returns
    -------
    pathlib.Path

    Raises
    ------
    BrainnetError
        ``error``: a path that is not str/path-like, a missing or unwritable
        folder, a symbolic link, an existing path without ``overwrite`` (or one
        ``refuse_existing`` refuses), or a path another run is writing.
    """
    p = as_path(path, name, error)
    what = label(p, name)
    if p.is_symlink():
        target = os.readlink(p)
        raise error(f"{what} is a symbolic link to {target!r}; brainnet_cb does not write through links "
                    f"(it would replace the link, not {target!r}). Pass the real path, or remove the link.")
    parent = p.parent
    if not parent.is_dir():
        raise error(f"{missing_folder(what, parent)}.")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise error(f"cannot write {what}: this user may not write in the folder {str(parent)!r} (read-only); "
                    "choose a writable folder or change its permissions.")
    pid = None if held is not None and held.held else lock_holder(p)
    if pid is not None:
        raise error(_locked_message(p, name, pid, overwrite_hint))
    if p.exists() and not existing_ok:
        reason = refuse_existing(p) if refuse_existing is not None else None
        if reason:
            raise error(f"{what} {reason}")
        if not overwrite:
            raise error(f"{what} already exists; pass {overwrite_hint} to replace it, or choose another path.")
    return p


class WriteLock:
    """An exclusive advisory lock on an output, held while a run writes it.

    ``with WriteLock(path, name, error): ...`` or :meth:`acquire` /
    :meth:`release`. The lock is ``fcntl.flock`` on ``.<name>.lock`` beside
    ``path`` (its content: the holder's process id); it is released by
    :meth:`release`, when the object is garbage collected, or when the process
    ends (also by ``kill -9``). Without ``fcntl`` (Windows) it does nothing.
    ``overwrite_hint`` is how the refusal names the option that does not help
    (``"--overwrite"`` on the command line).
    """

    def __init__(self, path, name=None, error=BrainnetError, overwrite_hint="overwrite=True"):
        self.path = pathlib.Path(path)
        self.name = name
        self.error = error
        self.overwrite_hint = overwrite_hint
        self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> WriteLock:
        """Take the lock; raise ``error`` if another run (or another object in this process) holds it."""
        if self._fd is not None or fcntl is None:
            return self
        where = lock_file(self.path)
        for _ in range(10):
            fd = os.open(where, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                pid = _pid_in(fd)
                os.close(fd)
                if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise self.error(_locked_message(self.path, self.name, pid, self.overwrite_hint)) from None
                raise
            try:  # the file we locked must still be the one at that name (a holder unlinks it on release)
                same = os.stat(where).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.pwrite(fd, str(os.getpid()).encode(), 0)
                self._fd = fd
                _remove_stale_temporaries(self.path, self.name)
                return self
            os.close(fd)
        raise self.error(_locked_message(self.path, self.name, "unknown", self.overwrite_hint))  # pragma: no cover

    def release(self) -> None:
        """Drop the lock and remove its file (idempotent)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(lock_file(self.path))
        os.close(fd)

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()

    def __del__(self):
        with contextlib.suppress(OSError):  # never raise from a finaliser
            self.release()


def open_new_binary(path) -> int:
    """A file descriptor of the new file ``path`` (``O_EXCL``: never an existing one), open for writing bytes.

    Mode ``0o666`` less the umask, as any new file. ``O_BINARY`` on Windows: a descriptor from ``os.open`` is in
    text mode there, and every byte 10 (``\\n``) written through it would become 13, 10, corrupting a NetCDF,
    ``.npz`` or checkpoint file.
    """
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)


def temporary_path(path) -> pathlib.Path:
    """A fresh hidden name beside ``path`` (same folder, so a rename is atomic): ``.<name>.<12 hex digits>.tmp``."""
    path = pathlib.Path(path)
    return path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}.tmp"


def stale_temporaries(path) -> list:
    """The temporary files and folders of ``path`` (``.<name>.<8 or 12 hex digits>.tmp`` beside it).

    Writers make them only while they hold the lock of ``path`` and delete them before they release it, so
    those found by a process that holds the lock now were left by a writer killed outright (``kill -9``, out of
    memory, a job's time limit): a partly written result or checkpoint, or what is left of a replaced store that
    the system refused to delete (:func:`drop_moved_aside`). A store moved aside by ``overwrite=True``
    (``.<name>.<id>.old``, a previous result) is not one of them.
    """
    path = pathlib.Path(path)
    name = re.compile(rf"\.{re.escape(path.name)}\.[0-9a-f]{{8}}(?:[0-9a-f]{{4}})?\.tmp")
    try:
        entries = list(path.parent.iterdir())
    except OSError:
        return []
    return sorted(p for p in entries if name.fullmatch(p.name) and not p.is_symlink())


def _remove_stale_temporaries(path, name=None) -> None:
    """Delete what :func:`stale_temporaries` finds (call it holding the lock of ``path``, named ``name`` as in
    :func:`label`).

    Where the system refuses (a read-only folder in it), the writer goes on, as what is left is no output, but
    warns, naming it: a folder (a store) in a :class:`~brainnet_cb.simulation.streaming.LeftoverStoreWarning`, a
    file in a ``UserWarning``. Each writer of ``path`` tries again.
    """
    from ._checks import caller_stacklevel  # noqa: PLC0415

    for p in stale_temporaries(path):
        folder = p.is_dir()
        try:
            if folder:
                shutil.rmtree(p)
            else:
                os.unlink(p)
        except OSError as exc:
            if folder:
                shutil.rmtree(p, ignore_errors=True)  # all that can go
            if not p.exists():
                continue
            if folder:
                from .simulation.streaming import LeftoverStoreWarning as category  # noqa: PLC0415
                what = "what is left of a replaced store, or one that a killed run did not finish"
            else:
                category, what = UserWarning, "a file that a killed writer did not finish"
            fix = (f"delete it yourself, once made writable where it is read-only (chmod -R u+w {str(p)!r})"
                   if exc.errno in (errno.EACCES, errno.EPERM) else "delete it yourself")
            warnings.warn(
                f"what an earlier write to {label(path, name)} left beside it, {str(p)!r}, could not be deleted: the "
                f"system refused ({exc.strerror or exc}). It is no output ({what}): {fix}; until then each write to "
                f"{label(path, name)} tries again.", category, stacklevel=caller_stacklevel())


#: Below this many free bytes in the output's file system, a failed write is put down to a full disk.
FULL_DISK_BYTES = 64 * 2**20


def _size(n) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.1f} MiB"


def _no_free_inodes(folder) -> bool:
    """Whether ``folder``'s file system has no inode left for a new file (False where it does not count them)."""
    try:
        st = os.statvfs(folder)
    except (OSError, AttributeError):  # AttributeError: no statvfs (Windows)
        return False
    return st.f_files > 0 and st.f_favail == 0


def write_failure(err, path, name=None, error=BrainnetError, left="nothing was left under that name"):
    """``error`` saying why writing ``path`` failed with ``err``, or None when ``err`` is no failure to write.

    A failure to write is an OSError of a full disk, an exhausted quota or a file-size limit (``ENOSPC``,
    ``EDQUOT``, ``EFBIG``), or an error of the NetCDF library (``RuntimeError('NetCDF: HDF error')``, which is
    all HDF5 says of a full disk). Call it before the temporary file is removed: the message gives the free
    space of the output's file system, and below :data:`FULL_DISK_BYTES` says the disk is full. Any OSError or
    NetCDF error once the output's folder is gone (a scratch space cleaned during the run) says so: HDF5 reports
    it as ``Permission denied``. ``left`` says what is left at ``path`` (a checkpoint: the previous one).
    """
    path = pathlib.Path(path)
    netcdf = isinstance(err, (RuntimeError, OSError)) and "NetCDF:" in str(err)
    if (netcdf or isinstance(err, OSError)) and not path.parent.is_dir():  # HDF5 says 'Permission denied'
        return error(f"cannot write {label(path, name)}: its folder {str(path.parent)!r} was removed (or renamed) "
                     "while the run was writing it, and the result with it. Run it again into a folder that stays.")
    codes = {errno.ENOSPC, errno.EFBIG} | ({errno.EDQUOT} if hasattr(errno, "EDQUOT") else set())
    if not (netcdf or (isinstance(err, OSError) and err.errno in codes)):
        return None
    what = f"NetCDF failed with {str(err)!r}" if netcdf else f"the system refused it ({err.strerror or err})"
    try:
        free = shutil.disk_usage(path.parent).free
    except OSError:
        free = None
    if free is None:
        why = "its folder can no longer be read (was it removed?)"
    elif free < FULL_DISK_BYTES:
        why = (f"the file system of {str(path.parent)!r} has {_size(free)} free: the disk is full (or your quota "
               "is used up); free some space or write to another disk")
    elif isinstance(err, OSError) and err.errno == errno.ENOSPC and _no_free_inodes(path.parent):
        why = (f"the file system of {str(path.parent)!r} has {_size(free)} free but no free inodes: it holds as "
               "many files as it can (a Zarr store makes one per chunk); delete files there or write to another disk")
    else:
        why = (f"the file system of {str(path.parent)!r} has {_size(free)} free, so a disk quota, a file-size "
               "limit (ulimit -f) or a folder removed meanwhile may be the cause; check them or write elsewhere")
    return error(f"cannot write {label(path, name)}: {what} while writing it; {left}. "
                 f"Why: {why}.")


def _kept_beside(tmp, path, place) -> pathlib.Path:
    """Where the finished ``tmp`` is kept when ``path`` cannot take it: ``<stem>.pid<N><suffix>`` beside ``path``,
    given with ``place(tmp, kept)`` (``os.replace`` or ``os.link``), else ``tmp`` itself."""
    path = pathlib.Path(path)
    kept = path.with_name(f"{path.stem}.pid{os.getpid()}{path.suffix}")
    try:
        place(tmp, kept)
    except OSError:
        return tmp
    return kept


def publish(tmp, path, *, overwrite, name=None, error=BrainnetError) -> pathlib.Path:
    """Give the finished file ``tmp`` the name ``path``: exclusively, or replacing with ``overwrite``.

    Without ``overwrite`` the name is taken with ``os.link``, which fails when
    ``path`` exists: if another writer created it meanwhile, nothing of theirs
    is replaced, this result is kept as ``<stem>.pid<N><suffix>`` beside it and
    ``error`` says so. With ``overwrite`` the rename replaces ``path`` in one step;
    where the system refuses it (Windows: ``path`` is open in a program, e.g. a
    Dataset read from it and not closed) the result is kept the same way and
    ``error`` says what to close. A file system without hard links (FAT and exFAT
    drives, some network shares) takes the name with a check and a rename.
    """
    tmp, path = pathlib.Path(tmp), pathlib.Path(path)
    if overwrite:
        try:
            os.replace(tmp, path)
        except PermissionError as exc:
            kept = _kept_beside(tmp, path, os.replace)
            raise error(
                f"cannot replace {label(path, name)}: the system refused it ({exc.strerror or exc}). On Windows a "
                "file that a program holds open cannot be replaced: close it there (a Dataset read from it: "
                "ds.close()) and write again, or choose another path. This result is kept in "
                f"{str(kept)!r}.") from None
        return path
    try:
        os.link(tmp, path)
    except FileExistsError:
        kept = _kept_beside(tmp, path, os.link)
        raise error(
            f"{label(path, name)} was created by another writer while this one was writing it; it was not "
            f"replaced. This result is kept in {str(kept)!r}: rename it if it is the one you want."
        ) from None
    except OSError as exc:
        # EINVAL: Windows on a FAT or exFAT drive or a share without hard links (ERROR_INVALID_FUNCTION,
        # ERROR_NOT_SUPPORTED)
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK, errno.EINVAL,
                             errno.ENOSYS):
            raise
        # a file system without hard links: under the run's lock, check and rename
        if path.exists():
            raise error(f"{label(path, name)} was created by another writer while this one was writing it; "
                        f"it was not replaced. This result is kept in {str(tmp)!r}.") from None
        os.replace(tmp, path)
        return path
    os.unlink(tmp)
    return path


def _folder_for_a_file(path):
    """Why a file writer must not replace ``path``: it is a folder (``os.replace`` cannot put a file there)."""
    return "is a folder; the output is one file: choose a file path." if path.is_dir() else None


def write_new_file(path, write, *, overwrite=False, name=None, error=BrainnetError, fsync=False,
                   refuse_existing=None) -> pathlib.Path:
    """Write a file through ``write(fileobj)`` safely: checked, locked, complete or absent.

    :func:`check_destination`, then under :class:`WriteLock`: the bytes go to a
    temporary file (mode ``0o666`` less the umask), optionally ``fsync``-ed,
    which is then :func:`publish`-ed. An interrupted write leaves no file at
    ``path``; an existing file is only replaced with ``overwrite=True``, and
    a folder never (nor what ``refuse_existing`` refuses).
    """
    path = check_destination(path, name=name, overwrite=overwrite, error=error,
                             refuse_existing=lambda p: _folder_for_a_file(p) or (
                                 refuse_existing(p) if refuse_existing is not None else None))
    with WriteLock(path, name, error):
        tmp = temporary_path(path)
        try:
            with os.fdopen(open_new_binary(tmp), "wb") as fh:
                write(fh)
                if fsync:
                    fh.flush()
                    os.fsync(fh.fileno())
            return publish(tmp, path, overwrite=overwrite, name=name, error=error)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def move_aside(path, *, name=None, error=BrainnetError, left="") -> pathlib.Path:
    """Rename the folder ``path`` that ``overwrite=True`` replaces to the hidden ``.<name>.<id>.old`` beside it,
    and return that; call it under the lock.

    Where the system refuses (Windows: a program holds a file in it open, or a window has it as its folder),
    ``error`` says which folder, what to close and that ``path`` is as it was; ``left`` adds what became of the
    new output (``"; the run stopped before its first chunk"``).
    """
    path = pathlib.Path(path)
    old = path.parent / f".{path.name}.{uuid.uuid4().hex[:8]}.old"
    try:
        os.rename(path, old)
    except PermissionError as exc:
        raise error(
            f"cannot replace {label(path, name)}: the system refused to move it aside ({exc.strerror or exc}). On "
            "Windows a folder cannot be moved or deleted while a program holds a file in it open (a Dataset "
            "opened from it: ds.close()) or has it as its folder (a terminal, an Explorer window): close it there "
            f"and write again, or choose another path. {str(path)!r} is kept as it was{left}.") from None
    return old


def publish_folder(tmp, path, *, overwrite, name=None, error=BrainnetError, left="",
                   category=UserWarning) -> pathlib.Path:
    """Move the finished folder ``tmp`` (e.g. a new Zarr store) to ``path``; call it under the lock.

    A new ``path`` is taken with a rename that fails on a non-empty folder. With
    ``overwrite`` the old folder is first moved aside (:func:`move_aside`, whose
    ``left`` this is), the new one renamed into place, then the old one deleted
    (:func:`drop_moved_aside`, which warns ``category`` where the system refuses):
    ``path`` is always a complete folder.
    """
    tmp, path = pathlib.Path(tmp), pathlib.Path(path)
    old = None
    if path.exists() or path.is_symlink():
        if not overwrite:
            raise error(f"{label(path, name)} was created by another writer meanwhile; it was not replaced.")
        old = move_aside(path, name=name, error=error, left=left)
    try:
        os.rename(tmp, path)
    except OSError as exc:
        if old is not None:  # put the old folder back
            with contextlib.suppress(OSError):
                os.rename(old, path)
        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
            raise error(f"{label(path, name)} was created by another writer meanwhile; it was not "
                        "replaced.") from None
        raise
    if old is not None:
        drop_moved_aside(old, path, name=name, category=category)
    return path


def drop_moved_aside(old, path, *, name=None, category=UserWarning) -> None:
    """Delete the folder ``old`` that :func:`move_aside` made of ``path``, now that the new ``path`` is in place.

    It is first renamed to ``.<name>.<id>.tmp``, one of the :func:`stale_temporaries` of ``path``, then deleted.
    Where the system refuses (Windows: a program holds a file in it open) the writer does not fail, as the new
    output is in place, but warns (``category``), naming what is left: the rename refused, ``old`` is kept whole
    (the previous output, which the next writer names); the deletion refused, what is left of it is no output any
    more, and the next writer that takes the lock of ``path`` deletes it. Without ``fcntl`` (Windows) there is no
    lock, so no writer deletes it (:func:`stale_temporaries` are deleted only under the lock): the warning says to
    delete it.
    """
    from ._checks import caller_stacklevel  # noqa: PLC0415

    old = pathlib.Path(old)
    doomed = old.with_name(f"{old.name.removesuffix('.old')}.tmp")
    try:
        os.rename(old, doomed)
    except OSError as exc:
        warnings.warn(
            f"{label(path, name)} holds the new output, but the one it replaced, moved aside to {str(old)!r}, "
            f"could not be deleted: the system refused to move it ({exc.strerror or exc}). It is kept whole; on "
            "Windows a folder cannot be moved or deleted while a program holds a file in it open (a Dataset opened "
            f"from it: ds.close()): close it there, then delete {old.name!r}.", category,
            stacklevel=caller_stacklevel())
        return
    try:
        shutil.rmtree(doomed)
    except OSError as exc:
        shutil.rmtree(doomed, ignore_errors=True)  # all that can go
        if doomed.exists():
            later = (f"the next write to {label(path, name)} deletes it, or delete it yourself" if fcntl is not None
                     else "delete it yourself once the program closes it (on this system no lock tells a later write "
                     "that its writer is gone, so none deletes it)")
            warnings.warn(
                f"{label(path, name)} holds the new output, but what is left of the one it replaced, "
                f"{str(doomed)!r}, could not be deleted: the system refused ({exc.strerror or exc}); on Windows a "
                f"file that a program holds open cannot be deleted. It is no output any more: {later}.", category,
                stacklevel=caller_stacklevel())
