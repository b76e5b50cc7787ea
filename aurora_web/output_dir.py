"""The output directory (cdktf.out/ or $CDKTF_OUTDIR): synth owns only the files it writes there.

What we write is recorded in `.aurora-web-owned.json`; everything else (Terraform's `.terraform/`, lock file and
state, a user's files, a `.keys/` directory) is left alone. New files are staged in a hidden directory inside
the output directory (same filesystem), then moved into place one by one with os.replace: each stack's JSON first,
`manifest.json` last, the record after it. So after a kill at any point:

- every file is whole (old or new content, never torn), and the manifest only names stack files that exist;
- a journal (`.aurora-web-pending.json`, written before the first move, removed after the last clean-up) tells
  the next synth which files were ours, and that synth rewrites every file of the new generation.

The record is checked before it is believed: it carries its own sha256, and names only paths of the shapes synth
writes (manifest.json, stacks/<stack>/cdk.tf.json and cdktf's other stack files); a record that fails that check is
ignored with one warning line, and that synth deletes nothing. A delete removes only a regular file whose current
sha256 is the recorded one, reached from the output directory one directory at a time without following a symbolic
link (dir_fd, O_NOFOLLOW): an edited record cannot steer a delete to a user's file, a state file, or outside.

Synths of one output directory serialize on an exclusive flock of the directory itself (no lock file to leave
behind). The directory is never renamed, so a bind mount or an immutable mount point works.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import interrupts_held

RECORD = ".aurora-web-owned.json"
JOURNAL = ".aurora-web-pending.json"
STAGING_PREFIX = ".aurora-web-staging-"
STAGING_MARKER = ".aurora-web-staging.json"
MANIFEST = "manifest.json"
STACKS = "stacks"
RECORD_FORMAT = 2  # 2 carries its own checksum; 1 (earlier releases) is read once, then rewritten as 2
READABLE_FORMATS = (1, 2)
# Terraform's working files in a stack directory: a legacy cdktf.out holding these beside cdktf's files is adopted.
TERRAFORM_WORKING_FILES = (".terraform", ".terraform.lock.hcl", "terraform.tfstate", "terraform.tfstate.backup")
# What cdktf itself writes in a stack directory (JSON, or HCL with its metadata).
CDKTF_STACK_FILES = ("cdk.tf.json", "cdk.tf", "metadata.json")
ASSETS = "assets"  # cdktf copies a stack's TerraformAssets under stacks/<stack>/assets/
# The cdktf CLI sets this for the app it runs (cli-core synth-stack.js); nothing else does.
CDKTF_CLI_MARKER = "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS"
# Earlier versions swapped a staging directory in beside the output directory; a kill could strand one.
OLDER_VERSIONS_LEFTOVERS = (".{name}.synth-*", ".{name}.old-*")


class OutputDirError(Exception):
    """The output directory cannot be used as asked; the message is one line for the user. Nothing was changed."""


@dataclass
class Record:
    """Files (relative path -> sha256) and directories we wrote, and the stacks of the last synth.

    `trusted` is False for what a synth reconstructed after ignoring a record that failed its check: that synth
    may overwrite those files but deletes nothing.
    """

    files: dict[str, str] = field(default_factory=dict)
    dirs: set[str] = field(default_factory=set)
    stacks: list[str] = field(default_factory=list)
    trusted: bool = True

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "format": RECORD_FORMAT,
            "written_by": "aurora-web synth",
            "stacks": sorted(self.stacks),
            "files": dict(sorted(self.files.items())),
            "dirs": sorted(self.dirs),
        }
        return {**body, "checksum": _checksum(body)}

    @classmethod
    def from_json(cls, data: object) -> Record:
        """The record, or ValueError saying which of its own checks it fails."""
        if not isinstance(data, dict) or data.get("format") not in READABLE_FORMATS:
            raise ValueError("not an aurora-web ownership record")
        if data["format"] == RECORD_FORMAT:
            body = {key: value for key, value in data.items() if key != "checksum"}
            if data.get("checksum") != _checksum(body):
                raise ValueError("its checksum does not match its content (edited by hand?)")
        files, dirs, stacks = data.get("files"), data.get("dirs"), data.get("stacks")
        if not (isinstance(files, dict) and isinstance(dirs, list) and isinstance(stacks, list)):
            raise ValueError("malformed aurora-web ownership record")
        for path in files:
            _check_shape(path, is_file=True)
        for path in dirs:
            _check_shape(path, is_file=False)
        if not all(isinstance(digest, str) and len(digest) == 64 for digest in files.values()):
            raise ValueError("a file's sha256 is malformed")
        return cls({str(k): str(v) for k, v in files.items()}, {str(d) for d in dirs}, [str(s) for s in stacks])

    def union(self, other: Record) -> Record:
        return Record(
            {**other.files, **self.files}, self.dirs | other.dirs, self.stacks, self.trusted and other.trusted
        )


def _checksum(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()


def _check_shape(path: object, *, is_file: bool) -> None:
    """Only what synth writes: manifest.json; stacks/, stacks/<stack>/ and cdktf's files there, and their assets/."""
    if not isinstance(path, str) or not path or os.path.isabs(path) or "\\" in path:
        raise ValueError(f"unsafe path in ownership record: {path!r}")
    parts = Path(path).parts
    if any(part in ("", ".", "..") for part in parts) or "/".join(parts) != path:
        raise ValueError(f"unsafe path in ownership record: {path!r}")
    if is_file:
        fits = path == MANIFEST or (
            len(parts) >= 3
            and parts[0] == STACKS
            and (parts[2] in CDKTF_STACK_FILES if len(parts) == 3 else parts[2] == ASSETS)
        )
    else:
        fits = parts[0] == STACKS and (len(parts) <= 2 or parts[2] == ASSETS)
    if not fits or any(part.startswith(".") for part in parts[1:]):
        raise ValueError(f"{path!r} is not a path synth writes")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_atomically(path: Path, data: bytes) -> None:
    """A temporary file in the same directory, flushed to disk, then os.replace: readers see old or new, whole."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _read_json(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))


def read_record(outdir: Path, name: str = RECORD) -> Record | None:
    """The record; one that fails its own check is ignored (one warning line): synth's files by shape, untrusted."""
    path = outdir / name
    if not path.exists() and not path.is_symlink():
        return None
    try:
        if path.is_symlink() or not path.is_file():
            raise ValueError("it is not a regular file")
        return Record.from_json(_read_json(path))
    except (OSError, ValueError) as error:
        if str(path) not in _WARNED:  # synth reads the record twice (before and under the lock): one line
            _WARNED.add(str(path))
            print(
                f"aurora-web: ignoring {path}: {error}; this synth deletes nothing and writes a new record",
                file=sys.stderr,
            )
        return _synth_shaped_files(outdir)


_WARNED: set[str] = set()


def _synth_shaped_files(outdir: Path) -> Record:
    """Regular files of the shapes synth writes, as they are now: may be overwritten, never deleted (untrusted)."""
    record = Record(trusted=False)
    stacks = outdir / STACKS
    stack_dirs = [] if stacks.is_symlink() or not stacks.is_dir() else sorted(stacks.iterdir())
    candidates = [outdir / MANIFEST] + [
        stack_dir / name for stack_dir in stack_dirs if not stack_dir.is_symlink() for name in CDKTF_STACK_FILES
    ]
    for path in candidates:
        if path.is_file() and not path.is_symlink():
            relative = str(path.relative_to(outdir))
            record.files[relative] = sha256_of(path)
            if relative != MANIFEST:
                record.dirs.update({STACKS, str(path.parent.relative_to(outdir))})
    return record


def owned(outdir: Path) -> Record | None:
    """Everything a synth of ours wrote here: the record, plus what an interrupted synth's journal names."""
    record = read_record(outdir)
    journal = _read_journal(outdir)
    if journal is None:
        return record
    new, previous = journal
    merged = new.union(previous)
    return merged.union(record) if record else merged


def _read_journal(outdir: Path) -> tuple[Record, Record] | None:
    path = outdir / JOURNAL
    if not path.exists():
        return None
    try:
        data = _read_json(path)
        if not isinstance(data, dict):
            raise ValueError("not a journal")
        return Record.from_json(data.get("new")), Record.from_json(data.get("previous"))
    except (OSError, ValueError) as error:
        raise OutputDirError(
            f"{path} cannot be read ({error}); move it away or choose another output directory"
        ) from None


def _is_our_staging(path: Path) -> bool:
    """A staging directory a synth of ours made: our prefix, and our marker inside (or still empty)."""
    if not (path.name.startswith(STAGING_PREFIX) and path.is_dir() and not path.is_symlink()):
        return False
    return (path / STAGING_MARKER).is_file() or not any(path.iterdir())


def _walk(root: Path) -> tuple[list[str], list[str]]:
    """Files (and symlinks, special files) and directories under root, relative to it; directories not followed."""
    files: list[str] = []
    dirs: list[str] = []
    for current, dirnames, filenames in os.walk(root):
        base = Path(current).relative_to(root)
        for name in list(dirnames):
            full = Path(current) / name
            if full.is_symlink():
                files.append(str(base / name))
                dirnames.remove(name)
            else:
                dirs.append(str(base / name))
        files.extend(str(base / name) for name in filenames)
    return files, dirs


def _legacy_adoption(outdir: Path, entries: list[Path]) -> Record | None:
    """A cdktf.out from before the record: only cdktf's own files and Terraform's working files. Else None."""
    names = {entry.name for entry in entries}
    if not names <= {MANIFEST, STACKS} or MANIFEST not in names:
        return None
    try:
        manifest = _read_json(outdir / MANIFEST)
    except (OSError, ValueError):
        return None
    if not (isinstance(manifest, dict) and isinstance(manifest.get("stacks"), dict)):
        return None
    record = Record(stacks=list(manifest["stacks"]))
    record.files[MANIFEST] = sha256_of(outdir / MANIFEST)
    stacks = outdir / STACKS
    if stacks.exists() and not _adopt_stacks(stacks, record):
        return None
    return record


def _adopt_stacks(stacks: Path, record: Record) -> bool:
    if stacks.is_symlink() or not stacks.is_dir():
        return False
    record.dirs.add(STACKS)
    for stack_dir in stacks.iterdir():
        if stack_dir.is_symlink() or not stack_dir.is_dir():
            return False
        record.dirs.add(f"{STACKS}/{stack_dir.name}")
        for entry in stack_dir.iterdir():
            if entry.name in CDKTF_STACK_FILES and entry.is_file() and not entry.is_symlink():
                record.files[f"{STACKS}/{stack_dir.name}/{entry.name}"] = sha256_of(entry)
            elif entry.name not in TERRAFORM_WORKING_FILES:
                return False
    return True


def older_versions_leftovers(outdir: Path) -> list[str]:
    """Names of directories an older version's synth left beside outdir (never deleted: they may hold state)."""
    return sorted(
        path.name
        for pattern in OLDER_VERSIONS_LEFTOVERS
        for path in outdir.parent.glob(pattern.format(name=outdir.name))
        if path.is_dir()
    )


def claim(outdir: Path) -> Record:
    """What we own in outdir (an empty record for a missing or empty one); refuses a directory that is not ours."""
    if outdir.is_symlink() and not outdir.exists():
        raise OutputDirError(f"{outdir} is a dangling symbolic link; point it at a directory or remove it")
    if outdir.exists() and not outdir.is_dir():
        raise OutputDirError(f"{outdir} exists and is not a directory; choose a directory for the output")
    if not outdir.exists():
        return Record()
    ours = owned(outdir)
    if ours is not None:
        return ours
    entries = [entry for entry in sorted(outdir.iterdir()) if not (_is_our_staging(entry) or _is_our_temporary(entry))]
    if not entries:
        return Record()
    adopted = _legacy_adoption(outdir, entries)
    if adopted is not None:
        return adopted
    shown = ", ".join(entry.name for entry in entries[:3]) + (", ..." if len(entries) > 3 else "")
    raise OutputDirError(
        f"{outdir} is not empty and was not written by aurora-web synth (it holds {shown}); "
        "choose an empty or new directory (CDKTF_OUTDIR / cdktf synth --output); nothing was changed"
    )


def synthesize_into(final: Path, stacks: list[str], write: Callable[[Path], object]) -> Installed:
    """Refuse a directory that is not ours, lock it, let `write` synthesize into a fresh staging directory, install.

    `write` is the cdktf app's synth (aurora_web/synth.py) or, in the stress test, a fake that writes many files.
    """
    claim(final)  # refuse early, before creating anything
    created = not final.exists()
    try:
        with locked(final):
            ours = claim(final)  # again under the lock: another synth may have just written it
            remove_stale_staging(final)
            with staging_directory(final) as staging:
                write(staging)
                return install(final, staging, stacks, ours)
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                final.rmdir()  # only when still empty: a failed first synth leaves no trace
        raise


@contextlib.contextmanager
def locked(outdir: Path) -> Iterator[None]:
    """An exclusive flock on the output directory itself: synths of the same directory run one after another.

    If the directory was removed while we waited (a concurrent first synth that failed removes the empty directory
    it made), the lock is on a dead inode: make the directory again and lock that.
    """
    while True:
        outdir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(outdir, os.O_RDONLY | os.O_DIRECTORY)
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            current = os.stat(outdir)
        except FileNotFoundError:
            current = None
        locked_stat = os.fstat(descriptor)
        if current is not None and (current.st_dev, current.st_ino) == (locked_stat.st_dev, locked_stat.st_ino):
            break
        os.close(descriptor)
    try:
        yield
    finally:
        os.close(descriptor)  # closing releases the lock; a killed process releases it too


def remove_stale_staging(outdir: Path) -> None:
    """Staging directories and temporary record files left by a killed synth of ours (we hold the lock)."""
    for entry in outdir.iterdir():
        if _is_our_staging(entry):
            shutil.rmtree(entry, ignore_errors=True)
        elif _is_our_temporary(entry):
            entry.unlink()


def _is_our_temporary(path: Path) -> bool:
    """A temporary file of write_atomically for the record or the journal (a kill can leave one)."""
    return path.name.startswith((f".{RECORD}.tmp-", f".{JOURNAL}.tmp-")) and path.is_file() and not path.is_symlink()


@contextlib.contextmanager
def staging_directory(outdir: Path) -> Iterator[Path]:
    """A fresh staging directory inside outdir, marked as ours, removed afterwards whatever happens (a signal that
    arrives just after the mkdir is held until `staging` is set, so the `finally` sees it)."""
    staging: Path | None = None
    try:
        with interrupts_held():
            staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=outdir))
        (staging / STAGING_MARKER).write_text(json.dumps({"pid": os.getpid()}) + "\n", encoding="utf-8")
        yield staging
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


@dataclass
class Installed:
    """What install() did: directories of stacks no longer in the app that it left in place, and why."""

    kept: dict[str, list[str]] = field(default_factory=dict)


def _staged_record(staging: Path, stacks: list[str]) -> Record:
    files, dirs = _walk(staging)
    record = Record(stacks=list(stacks))
    for relative in files:
        if relative == STAGING_MARKER:
            continue
        path = staging / relative
        if path.is_symlink() or not path.is_file():
            raise OutputDirError(f"synth produced {relative}, which is not a regular file")
        record.files[relative] = sha256_of(path)
    record.dirs = set(dirs)
    return record


def _install_order(paths: list[str]) -> list[str]:
    """Stack files first, the manifest last: the manifest never names a stack file that is not in place."""
    return sorted(paths, key=lambda path: (path == MANIFEST, path))


def _stack_dirs_to_retire(outdir: Path, new: Record, ours: Record) -> tuple[list[str], dict[str, list[str]]]:
    """Stack directories not in the new app: removable ones (only our files) and kept ones (with what is foreign)."""
    removable: list[str] = []
    kept: dict[str, list[str]] = {}
    stacks = outdir / STACKS
    if not stacks.is_dir() or stacks.is_symlink():
        return removable, kept
    current = {f"{STACKS}/{name}" for name in new.stacks}
    for stack_dir in sorted(stacks.iterdir()):
        relative = f"{STACKS}/{stack_dir.name}"
        if relative in current:
            continue
        if stack_dir.is_symlink() or not stack_dir.is_dir():
            kept[relative] = [stack_dir.name]
            continue
        files, dirs = _walk(stack_dir)
        foreign = sorted(
            {
                Path(relative, item).relative_to(relative).parts[0]
                for item in files
                if not _still_ours(outdir, f"{relative}/{item}", ours)
            }
            | {
                Path(relative, item).relative_to(relative).parts[0]
                for item in dirs
                if f"{relative}/{item}" not in ours.dirs
            }
        )
        if foreign or relative not in ours.dirs:
            kept[relative] = foreign or ["(a directory synth did not make)"]
        else:
            removable.append(relative)
    return removable, kept


def _still_ours(outdir: Path, relative: str, ours: Record) -> bool:
    """Recorded as ours, a regular file, and unchanged since (a file the user edited is theirs now)."""
    path = outdir / relative
    digest = ours.files.get(relative)
    return digest is not None and path.is_file() and not path.is_symlink() and sha256_of(path) == digest


def install(outdir: Path, staging: Path, stacks: list[str], ours: Record) -> Installed:
    """Move the staged files into outdir (we hold the lock), record them, retire what the app no longer has."""
    new = _staged_record(staging, stacks)
    removable, kept = _stack_dirs_to_retire(outdir, new, ours)
    # The cdktf CLI deletes every stacks/ directory its manifest does not name (recursively) after the app exits,
    # and fails if one is already gone: under it, refuse when that would lose a file, else leave the deleting to it.
    under_cli = os.environ.get(CDKTF_CLI_MARKER) == "true"
    if kept and under_cli:
        name = next(iter(kept))
        raise OutputDirError(
            f"{outdir / name} is not a stack of these settings and holds files synth did not write "
            f"({', '.join(kept[name][:3])}); `cdktf synth` would delete it: move them away, or run `python main.py`, "
            "which leaves it in place; nothing was changed"
        )
    for relative in new.files:
        target = outdir / relative
        if relative not in ours.files and (target.exists() or target.is_symlink()):
            raise OutputDirError(
                f"{target} exists and was not written by aurora-web synth; move it away; nothing was changed"
            )
        for parent in Path(relative).parents:
            existing = outdir / parent
            if str(parent) != "." and (existing.is_symlink() or (existing.exists() and not existing.is_dir())):
                raise OutputDirError(f"{existing} is in the way of synth's output; move it away; nothing was changed")

    left = [*kept, *removable] if under_cli else list(kept)

    def in_kept(path: str) -> bool:
        return any(path == kept_dir or path.startswith(kept_dir + "/") for kept_dir in left)

    # "previous" is what is on disk now (after an interrupted synth, a mix of two generations), hashed as it is.
    on_disk = Record(
        {path: sha256_of(outdir / path) for path in ours.files if (outdir / path).is_file()}, ours.dirs, ours.stacks
    )
    # Our files in a kept directory stay recorded as ours, so a later synth can remove them once the user's are gone.
    committed = Record(
        {**{path: digest for path, digest in on_disk.files.items() if in_kept(path)}, **new.files},
        new.dirs | {directory for directory in ours.dirs if in_kept(directory)},
        list(stacks),
    )
    write_atomically(outdir / JOURNAL, _dump({"new": committed.to_json(), "previous": on_disk.to_json()}))
    for directory in sorted(new.dirs, key=lambda d: d.count("/")):
        (outdir / directory).mkdir(exist_ok=True)
    touched: set[Path] = set()
    for relative in _install_order(list(new.files)):
        source = staging / relative
        with source.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(source, outdir / relative)
        touched.add((outdir / relative).parent)
    for parent in touched:
        _fsync_directory(parent)
    write_atomically(outdir / RECORD, _dump(committed.to_json()))
    # Clean-up after the commit: files of ours the new generation no longer has, then emptied directories of ours.
    # Not after a record that failed its check: what it named is not believed, so nothing is deleted.
    if ours.trusted:
        for relative in sorted(set(ours.files) - set(committed.files)):
            delete_if_ours(outdir, relative, ours.files.get(relative))
        for relative in [] if under_cli else removable:
            _remove_our_tree(outdir / relative, outdir, ours)
        for directory in sorted(ours.dirs - committed.dirs, key=lambda d: -d.count("/")):
            remove_empty_directory(outdir, directory)  # only when empty: a user's file keeps its directory
    os.unlink(outdir / JOURNAL)
    _fsync_directory(outdir)
    return Installed(kept)


def _remove_our_tree(directory: Path, outdir: Path, ours: Record) -> None:
    files, dirs = _walk(directory)
    for item in files:
        relative = str((directory / item).relative_to(outdir))
        delete_if_ours(outdir, relative, ours.files.get(relative))
    for item in sorted(dirs, key=lambda d: -d.count("/")):
        remove_empty_directory(outdir, str((directory / item).relative_to(outdir)))
    remove_empty_directory(outdir, str(directory.relative_to(outdir)))


@contextlib.contextmanager
def _parent_directory(outdir: Path, relative: str) -> Iterator[tuple[int, str]]:
    """(descriptor of the parent directory, name), reached from outdir one component at a time, no symlink followed.

    OSError if any component is missing, not a directory, or a symbolic link.
    """
    parts = Path(relative).parts
    descriptor = os.open(outdir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            child = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=descriptor)
            os.close(descriptor)
            descriptor = child
        yield descriptor, parts[-1]
    finally:
        os.close(descriptor)


def delete_if_ours(outdir: Path, relative: str, digest: str | None) -> bool:
    """Unlink outdir/relative only if it is a regular file (not followed through a link) whose sha256 is `digest`."""
    if digest is None:
        return False
    try:
        with _parent_directory(outdir, relative) as (parent, name):
            handle = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=parent)
            try:
                if not stat.S_ISREG(os.fstat(handle).st_mode):
                    return False
                hasher = hashlib.sha256()
                while block := os.read(handle, 1 << 20):
                    hasher.update(block)
            finally:
                os.close(handle)
            if hasher.hexdigest() != digest:
                return False  # changed since we wrote it: someone else's content now
            os.unlink(name, dir_fd=parent)
            return True
    except OSError:
        return False


def remove_empty_directory(outdir: Path, relative: str) -> None:
    """rmdir outdir/relative if it is an empty directory reached without following a link; else leave it."""
    with contextlib.suppress(OSError), _parent_directory(outdir, relative) as (parent, name):
        os.rmdir(name, dir_fd=parent)


def _dump(data: object) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode("utf-8")


@dataclass
class Check:
    """check_output's verdict. complete: the manifest parses and every stack file it names is there and parses.
    consistent: additionally every file we recorded has the content recorded (one generation, no journal)."""

    complete: bool
    consistent: bool
    problems: list[str]


def check_output(outdir: Path) -> Check:
    """Is the output directory usable (complete) and from one synth (consistent)? For tests, stress runs, users."""
    try:
        manifest = _read_json(outdir / MANIFEST)
        stacks = manifest["stacks"] if isinstance(manifest, dict) else None
        if not isinstance(stacks, dict) or not stacks:
            raise ValueError("names no stacks")
    except (OSError, ValueError, KeyError) as error:
        return Check(False, False, [f"{MANIFEST}: {error}"])
    problems = _missing_stack_files(outdir, stacks)
    try:
        record = read_record(outdir)
        journal = _read_journal(outdir)
    except OutputDirError as error:
        return Check(not problems, False, [*problems, str(error)])
    if journal is not None:
        # Interrupted between the journal and its removal: each file must be whole, from the old or the new synth.
        new, previous = journal
        torn = [
            f"{relative}: content from neither the old nor the new synth"
            for relative in set(new.files) | set(previous.files)
            if (outdir / relative).is_file()
            and sha256_of(outdir / relative) not in {new.files.get(relative), previous.files.get(relative)}
        ]
        return Check(not problems and not torn, False, [*problems, *torn])
    if record is None:
        return Check(not problems, False, [*problems, f"{RECORD}: missing"])
    current = {MANIFEST} | {f"{STACKS}/{name}/" for name in record.stacks}

    def is_current(relative: str) -> bool:
        return relative == MANIFEST or any(relative.startswith(prefix) for prefix in current)

    # Files of a retired stack's directory stay recorded while kept; the cdktf CLI may have deleted them since.
    drift = [
        f"{relative}: differs from {RECORD}"
        for relative, digest in record.files.items()
        if (is_current(relative) or (outdir / relative).exists())
        and (not (outdir / relative).is_file() or sha256_of(outdir / relative) != digest)
    ]
    if sorted(record.stacks) != sorted(stacks):
        drift.append(f"{MANIFEST}: stacks differ from {RECORD}")
    return Check(not problems, not problems and not drift, [*problems, *drift])


def _missing_stack_files(outdir: Path, stacks: dict[str, Any]) -> list[str]:
    problems = []
    for name, stack in stacks.items():
        relative = stack.get("synthesizedStackPath") if isinstance(stack, dict) else None
        if not isinstance(relative, str):
            problems.append(f"{MANIFEST}: stack {name} has no synthesizedStackPath")
            continue
        try:
            if relative.endswith(".json"):
                _read_json(outdir / relative)
            else:
                (outdir / relative).read_bytes()
        except (OSError, ValueError) as error:
            problems.append(f"{relative}: {error}")
    return problems
