"""Faults (issue 14): damaged checkpoints, read-only folders, links, concurrent writers, kill -9, overwrite races.

Every refusal is a BrainnetError subclass whose message names the file, what is
wrong and the fix; it comes before the run advances (``Run.execute`` is
replaced by a function that fails the test), and nothing is created, changed
or removed. The faults that need other processes (kill -9, concurrent
writers, a run writing while another asks to overwrite) run real child
processes.
"""

import json
import os
import shutil
import struct
import subprocess
import sys
import textwrap
import time
import zipfile

import numpy as np
import pytest
import xarray as xr

import brainnet_cb as bn
from brainnet_cb.data import io as bio
from brainnet_cb.simulation import checkpoint as ck
from brainnet_cb.simulation.run import Run

PAIR = "bn.Connectome([[0, 1], [1, 0]], [[0, 30], [30, 0]], labels=['L', 'R'], name='pair')"
KW = dict(duration=20.0, dt=0.1, coupling=bn.Linear(G=0.3), noise=bn.Additive(v=0.1), key=5, chunk_steps=50)


def pair():
    return eval(PAIR)  # the same literal the child processes use


def needs_zarr():
    pytest.importorskip("zarr")


@pytest.fixture
def no_run(monkeypatch):
    """Any run that gets as far as advancing fails the test (refusals come before compilation)."""

    def advanced(self, *args, **kwargs):
        raise AssertionError("the run advanced (compiled) before the bad input was refused")

    monkeypatch.setattr(Run, "execute", advanced)


def listing(folder):
    return sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir())


def child(code, *args, timeout=240, prefix=()):
    return subprocess.run([*prefix, sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


# ----------------------------------------------------------------------------- damaged checkpoints
@pytest.fixture(scope="module")
def good_checkpoint(tmp_path_factory):
    d = tmp_path_factory.mktemp("ck")
    ds = bn.simulate(bn.CoombesByrne(), pair(), checkpoint=d / "good.npz", **KW)
    assert sorted(p.name for p in d.iterdir()) == ["good.npz"]  # no lock or temporary left
    return d / "good.npz", ds


def _member_data_offset(path, member):
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    raw = path.read_bytes()
    name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26: info.header_offset + 30])
    return info.header_offset + 30 + name_len + extra_len, info.compress_size


def _truncated(src, dst):
    dst.write_bytes(src.read_bytes()[: src.stat().st_size // 2])


def _bit_flipped(src, dst):
    start, size = _member_data_offset(src, "carry_0.npy")
    raw = bytearray(src.read_bytes())
    raw[start + size - 1] ^= 0x01  # the last byte of the data, not of the .npy header
    dst.write_bytes(bytes(raw))


def _pickled(src, dst):
    with open(dst, "wb") as f:
        np.savez(f, header=np.array([{"format": 1}], dtype=object))


def _user_file(src, dst):
    with open(dst, "wb") as f:
        np.savez(f, weights=np.eye(3), labels=np.array(["a", "b", "c"]))


def _bad_json(src, dst):
    with open(dst, "wb") as f:
        np.savez(f, header=np.asarray('{"format": 1, "piece": '))


def _header_lacks_keys(src, dst):
    with open(dst, "wb") as f:
        np.savez(f, header=np.asarray(json.dumps({"format": 1})))


def _lost_samples(src, dst):
    with np.load(src) as z:
        arrays = {k: z[k] for k in z.files if k != "samples_0"}
    with open(dst, "wb") as f:
        np.savez(f, **arrays)


def _empty(src, dst):
    dst.write_bytes(b"")


def _text(src, dst):
    dst.write_text("weights,lengths\n1,2\n")


def _folder(src, dst):
    dst.mkdir()


DAMAGED = [
    (_truncated, r"resume_from='.*bad\.npz' cannot be read: it is not a complete zip archive: truncated, or "
                 r"another kind of file \(File is not a zip file\)\. resume_from needs a brainnet_cb checkpoint"),
    (_bit_flipped, r"cannot be read: it is corrupted: a checksum does not match \(Bad CRC-32 for file "
                   r"'carry_0\.npy'\)\. .*this file was damaged afterwards or is not a brainnet_cb checkpoint"),
    (_pickled, r"cannot be read: it holds pickled Python objects, which brainnet_cb never loads \(loading them "
               r"can run arbitrary code\)\."),
    (_user_file, r"bad\.npz' is not a brainnet_cb checkpoint: it holds the arrays \['labels', 'weights'\] and no "
                 r"'header'\. Pass the \.npz that checkpoint= wrote\."),
    (_bad_json, r"cannot be read: its contents are damaged or of another layout \(JSONDecodeError: "),
    (_header_lacks_keys, r"is not a brainnet_cb checkpoint: its header lacks \['piece', 'schedule', "
                         r"'fingerprint', 'n_carry'\]"),
    (_lost_samples, r"the checkpoint '.*bad\.npz' lacks the outputs \['samples_0'\] of this run's monitors; it is "
                    r"damaged"),
    (_empty, r"cannot be read: it ends early: the file is truncated\."),
    (_text, r"cannot be read: it is not a NumPy file \(\.npz or \.npy\): it starts with b'weights,lengths\\n'\."),
    (_folder, r"resume_from='.*bad\.npz' is a folder; pass the checkpoint file \(\.npz\) that checkpoint= wrote"),
]


@pytest.mark.parametrize("damage, message", DAMAGED, ids=[d.__name__.strip("_") for d, _ in DAMAGED])
def test_a_damaged_checkpoint_is_refused_naming_what_is_wrong(good_checkpoint, tmp_path, no_run, damage,
                                                              message):
    bad = tmp_path / "bad.npz"
    damage(good_checkpoint[0], bad)
    before = listing(tmp_path)
    with pytest.raises(bn.CheckpointError, match=message) as info:
        bn.simulate(bn.CoombesByrne(), pair(), resume_from=bad, **KW)
    assert "allow_pickle" not in str(info.value) and "Traceback" not in str(info.value)
    assert listing(tmp_path) == before  # nothing created, changed or removed


def test_the_intact_checkpoint_still_resumes_to_the_same_result(good_checkpoint, tmp_path):
    path, ds = good_checkpoint
    copy = tmp_path / "copy.npz"
    shutil.copy(path, copy)
    xr.testing.assert_identical(bn.simulate(bn.CoombesByrne(), pair(), resume_from=copy, **KW), ds)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.npz"]
    assert ck.is_checkpoint(copy) and not ck.is_checkpoint(tmp_path)


# ----------------------------------------------------------------------------- what a checkpoint may replace
def test_checkpoint_never_replaces_a_user_file_and_an_old_checkpoint_only_with_overwrite(
        good_checkpoint, tmp_path, monkeypatch):
    user = tmp_path / "results.npz"
    np.savez(user, fc=np.eye(2))
    mine = user.read_bytes()
    with monkeypatch.context() as m:
        m.setattr(Run, "execute", lambda *a, **k: pytest.fail("advanced"))
        for overwrite in (False, True):
            with pytest.raises(bn.CheckpointError,
                               match=r"checkpoint='.*results\.npz' exists and is not a brainnet_cb checkpoint; it is "
                                     r"never replaced, not even with overwrite=True\. Choose another checkpoint path"):
                bn.simulate(bn.CoombesByrne(), pair(), checkpoint=str(user), overwrite=overwrite, **KW)
        assert user.read_bytes() == mine
        old = tmp_path / "old.npz"
        shutil.copy(good_checkpoint[0], old)
        with pytest.raises(bn.CheckpointError, match=r"old\.npz' holds the checkpoint of an earlier run; pass "
                                                     r"resume_from= with this path to continue that run, "
                                                     r"overwrite=True to start again"):
            bn.simulate(bn.CoombesByrne(), pair(), checkpoint=old, **KW)
        assert old.read_bytes() == good_checkpoint[0].read_bytes()
    ds = bn.simulate(bn.CoombesByrne(), pair(), checkpoint=old, overwrite=True, **dict(KW, key=6))
    assert ck.load_checkpoint(old).header["fingerprint"]["key"]["describe"] == "seed 6"
    assert ds.r.dtype == good_checkpoint[1].r.dtype
    umask = os.umask(0o022)
    os.umask(umask)
    assert old.stat().st_mode & 0o777 == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.npz", "results.npz"]


# ----------------------------------------------------------------------------- links
def test_symbolic_links_are_never_written_through(tmp_path, no_run):
    needs_zarr()
    real = tmp_path / "real"
    real.mkdir()
    ds = xr.Dataset({"x": ("t", np.arange(3.0))})
    cases = [
        (lambda p: bn.simulate(bn.CoombesByrne(), pair(), out=p, **KW), bn.SimulationError, "out=", True, ".npz"),
        (lambda p: bn.simulate(bn.CoombesByrne(), pair(), checkpoint=p, **KW), bn.CheckpointError, "checkpoint=",
         False, ".npz"),
        (lambda p: bn.write_netcdf(ds, p, overwrite=True), bn.BrainnetError, "", False, ".nc"),  # a NetCDF name
        (lambda p: bio.write_npz(pair(), p, overwrite=True), bn.ConnectomeError, "", False, ".npz"),
    ]
    for k, (write, error, name, folder, suffix) in enumerate(cases):
        target = real / f"t{k}"
        target.mkdir() if folder else target.write_text("keep")
        link = tmp_path / f"link{k}{suffix}"
        link.symlink_to(target)
        before = listing(tmp_path) + listing(real)
        with pytest.raises(error, match=rf"{name}'.*link{k}\{suffix}' is a symbolic link to '.*t{k}'; brainnet_cb does "
                                        r"not write through links \(it would replace the link, not"):
            write(link)
        assert listing(tmp_path) + listing(real) == before


def test_a_folder_is_never_replaced_by_a_file_even_with_overwrite(tmp_path, no_run):
    ds = xr.Dataset({"x": ("t", np.arange(3.0))})
    writers = [(lambda p: bio.write_npz(pair(), p, overwrite=True), bn.ConnectomeError, "is a folder; the output "
                "is one file: choose a file path"),
               (lambda p: bio.write_tvb(pair(), p, overwrite=True), bn.ConnectomeError, "is a folder; the output "
                "is one file: choose a file path"),
               (lambda p: bio.write_graphml(pair(), p, overwrite=True), bn.ConnectomeError, "is a folder; the "
                "output is one file: choose a file path"),
               (lambda p: bn.write_netcdf(ds, p, overwrite=True), bn.BrainnetError, "is a folder; a NetCDF result "
                "is one file")]
    for k, (write, error, message) in enumerate(writers):
        folder = tmp_path / f"out{k}"
        folder.mkdir()
        (folder / "keep.txt").write_text("mine")
        with pytest.raises(error, match=rf"'.*out{k}' {message}"):
            write(folder)
        assert listing(folder)[0][0] == "keep.txt" and (folder / "keep.txt").read_text() == "mine"
    with pytest.raises(bn.CheckpointError, match=r"checkpoint='\.' is a folder; a checkpoint is one file: pass its "
                                                 r"path, e.g. 'run.npz'"):
        bn.simulate(bn.CoombesByrne(), pair(), checkpoint=".", **KW)


def test_what_netcdf_cannot_hold_is_refused_and_nothing_is_left(tmp_path):
    ds = xr.Dataset({"x": ("t", np.arange(3.0))})
    cases = [(ds.assign_attrs(note=None), r" \(nothing was written\): the attribute 'note' of the Dataset is None; "
                                          r"NetCDF has no empty attribute: drop it"),
             (ds.assign_attrs(options={"G": 0.5}), r" \(nothing was written\): the attribute 'options' of the Dataset "
                                                   r"is a dict \({'G': 0.5}\); store it as JSON text: json.dumps"),
             (ds.assign(o=("t", np.array([object(), 1, "a"], dtype=object))), r": unable to infer dtype on variable "
                                                                               r"'o'.*\(NetCDF attributes are strings, "
                                                                               r"numbers or arrays of them")]
    for k, (bad, reason) in enumerate(cases):
        with pytest.raises(bn.BrainnetError, match=rf"cannot write '.*bad{k}\.nc' as NetCDF{reason}"):
            bn.write_netcdf(bad, tmp_path / f"bad{k}.nc")
    with pytest.raises(bn.BrainnetError, match=r"write_netcdf takes an xarray.Dataset; got DataArray; pass "
                                               r"da.to_dataset\(name='x'\)"):
        bn.write_netcdf(ds.x, tmp_path / "x.nc")
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- read-only folders
READ_ONLY = """
import json, os, sys
import numpy as np, xarray as xr
import brainnet_cb as bn
from brainnet_cb.data import io as bio
from brainnet_cb.simulation.run import Run

def advanced(self, *a, **k):
    raise SystemExit("the run advanced before its destination was checked")

Run.execute = advanced
d = sys.argv[1]
assert not os.access(d, os.W_OK), "the folder is writable: the test cannot bite"
conn = """ + PAIR + """
kw = dict(duration=20.0, dt=0.1, chunk_steps=50)
ds = xr.Dataset({"x": ("t", np.arange(3.0))})
cases = {
    "netcdf": lambda: bn.write_netcdf(ds, f"{d}/out.nc"),
    "zarr": lambda: bn.simulate(bn.CoombesByrne(), conn, out=f"{d}/run.zarr", **kw),
    "checkpoint": lambda: bn.simulate(bn.CoombesByrne(), conn, checkpoint=f"{d}/run.ckpt.npz", **kw),
    "npz": lambda: bio.write_npz(conn, f"{d}/c.npz"),
    "tvb": lambda: bio.write_tvb(conn, f"{d}/c.zip"),
    "graphml": lambda: bio.write_graphml(conn, f"{d}/c.graphml"),
}
out = {}
for name, call in cases.items():
    try:
        call()
        out[name] = "written"
    except bn.BrainnetError as e:
        out[name] = [type(e).__name__, str(e)]
import contextlib, io as _io
from brainnet_cb import cli
err = _io.StringIO()
with contextlib.redirect_stderr(err):
    rc = cli.main(["run", "--duration", "2880", "--set", "monitors.bold.discard=0.0", "--quiet", "--no-figure",
                   "--out", f"{d}/cli.nc"])
out["cli"] = [rc, err.getvalue()]
print(json.dumps(out))
"""


def test_read_only_folders_are_refused_before_the_run(tmp_path):
    pytest.importorskip("zarr")
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    prefix = ()
    if os.geteuid() == 0:  # root writes anywhere: run the child without the capability that lets it
        if shutil.which("setpriv") is None:
            pytest.skip("running as root and setpriv (util-linux) is not installed to drop CAP_DAC_OVERRIDE")
        prefix = ("setpriv", "--bounding-set=-dac_override,-dac_read_search")
    folder.chmod(0o555)
    try:
        before = listing(folder)
        res = child(READ_ONLY, folder, prefix=prefix)
        after = listing(folder)
    finally:
        folder.chmod(0o755)
    assert res.returncode == 0, res.stderr[-3000:]
    got = json.loads(res.stdout.strip().splitlines()[-1])
    expected = {"netcdf": ("BrainnetError", "'{d}/out.nc'"), "zarr": ("SimulationError", "out='{d}/run.zarr'"),
                "checkpoint": ("CheckpointError", "checkpoint='{d}/run.ckpt.npz'"),
                "npz": ("ConnectomeError", "'{d}/c.npz'"), "tvb": ("ConnectomeError", "'{d}/c.zip'"),
                "graphml": ("ConnectomeError", "'{d}/c.graphml'")}
    for name, (error, what) in expected.items():
        what = what.format(d=folder)
        assert got[name] == [error, f"cannot write {what}: this user may not write in the folder '{folder}' "
                                    "(read-only); choose a writable folder or change its permissions."], name
    assert got["cli"] == [2, f"brainnet-cb: error: cannot write '{folder}/cli.nc': this user may not write in the "
                             f"folder '{folder}' (read-only); choose a writable folder or change its permissions.\n"]
    assert after == before


# ----------------------------------------------------------------------------- concurrent writers of one NetCDF path
WRITER = """
import os, sys, time
import numpy as np, xarray as xr
from brainnet_cb.simulation.output import write_netcdf
from brainnet_cb.errors import BrainnetError
path, me, go = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ds = xr.Dataset({"x": ("t", np.full(200_000, float(me)))})
open(f"{go}.ready{me}", "w").close()
while not os.path.exists(go):
    time.sleep(0.001)
try:
    write_netcdf(ds, path)
    print("ok")
except BrainnetError as e:
    print("refused:", e)
"""


def test_two_processes_writing_one_new_netcdf_path_cannot_both_succeed(tmp_path):
    path, go = tmp_path / "out.nc", tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(WRITER), str(path), str(me), str(go)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for me in (1, 2)]
    deadline = time.time() + 120
    while not all((tmp_path / f"go.ready{me}").exists() for me in (1, 2)) and time.time() < deadline:
        time.sleep(0.01)
    go.touch()
    outs = [p.communicate(timeout=120) for p in procs]
    said = [o[0].strip() for o in outs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    assert sorted(s == "ok" for s in said) == [False, True], said
    winner = 1 + said.index("ok")
    refusal = said[2 - winner]
    assert any(m in refusal for m in ("already exists; pass overwrite=True", "is being written by another run",
                                      "was created by another writer while this one was writing it")), refusal
    with xr.open_dataset(path) as back:
        assert np.all(back.x.values == winner)  # the winner's data, whole


def test_a_file_created_meanwhile_is_not_replaced_and_this_result_is_kept(tmp_path, monkeypatch):
    path = tmp_path / "out.nc"
    ds = xr.Dataset({"x": ("t", np.arange(4.0))})
    write = xr.Dataset.to_netcdf

    def racing(self, tmp, *args, **kwargs):  # another writer publishes `path` while this one writes
        path.write_text("theirs")
        return write(self, tmp, *args, **kwargs)

    monkeypatch.setattr(xr.Dataset, "to_netcdf", racing)
    kept = tmp_path / f"out.pid{os.getpid()}.nc"
    with pytest.raises(bn.BrainnetError, match=rf"'.*out\.nc' was created by another writer while this one was "
                                               rf"writing it; it was not replaced\. This result is kept in "
                                               rf"'{kept}': rename it if it is the one you want\."):
        bn.write_netcdf(ds, path)
    monkeypatch.undo()
    assert path.read_text() == "theirs"
    with xr.open_dataset(kept) as back:
        back = back.load()
    back.attrs = {}  # the CF attributes write_netcdf adds (date_created, history, ...)
    xr.testing.assert_identical(back, ds)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out.nc", kept.name])


# ----------------------------------------------------------------------------- file modes
@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_written_files_have_a_normal_files_mode(tmp_path, umask):
    conn = pair()
    old = os.umask(umask)
    try:
        paths = [bio.write_npz(conn, tmp_path / "c.npz"), bio.write_tvb(conn, tmp_path / "c.zip"),
                 bio.write_graphml(conn, tmp_path / "c.graphml"),
                 bn.write_netcdf(xr.Dataset({"x": ("t", [1.0])}), tmp_path / "c.nc")]
    finally:
        os.umask(old)
    assert {p.name: oct(p.stat().st_mode & 0o777) for p in paths} == {p.name: oct(0o666 & ~umask) for p in paths}
    assert bio.read_npz(paths[0]) == conn


def test_a_netcdf_file_being_written_is_not_replaced_even_with_overwrite(tmp_path):
    from brainnet_cb._destinations import WriteLock

    path = tmp_path / "out.nc"
    ds = xr.Dataset({"x": ("t", np.arange(4.0))})
    bn.write_netcdf(ds, path)
    before = path.read_bytes()
    with WriteLock(path, None, bn.BrainnetError):  # another run writing it (a second descriptor: flock refuses)
        with pytest.raises(bn.BrainnetError, match=r"out\.nc' is being written by another run \(this process\); "
                                                   r"wait until it finishes or choose another path"):
            bn.write_netcdf(ds.isel(t=slice(0, 2)), path, overwrite=True)
        assert path.read_bytes() == before
    bn.write_netcdf(ds.isel(t=slice(0, 2)), path, overwrite=True)  # the lock released: replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.nc"]
