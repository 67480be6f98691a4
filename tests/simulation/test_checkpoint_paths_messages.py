"""checkpoint= naming a folder, and a resume refused where the summaries of what differs read the same."""

import pytest

import brainnet_cb as bn
from brainnet_cb.simulation import checkpoint as ck

CONN = bn.Connectome(weights=[[0, 1, 0], [1, 0, 1], [0, 1, 0]], lengths=[[0, 30, 0], [30, 0, 10], [0, 10, 0]])
KW = dict(duration=10.0, dt=0.1, chunk_steps=50)


def test_a_checkpoint_path_that_is_a_folder_is_refused_not_written_beside_it(tmp_path):
    folder = tmp_path / "runs"
    folder.mkdir()
    with pytest.raises(bn.CheckpointError, match=r"is a folder; a checkpoint is one file: pass its path, e\.g\. .*runs/run\.npz"):
        bn.simulate(bn.CoombesByrne(), CONN, checkpoint=folder, **KW)
    assert not (tmp_path / "runs.npz").exists()  # was: the checkpoint written to runs.npz, outside the folder


def test_an_empty_checkpoint_path_is_refused_as_empty(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # '' was read as '.', the current folder: "checkpoint='.' is a folder"
    with pytest.raises(bn.CheckpointError) as err:
        bn.simulate(bn.CoombesByrne(), CONN, checkpoint="", **KW)
    assert str(err.value) == "checkpoint is empty; give the name of the file to write, e.g. 'run.npz'."
    assert list(tmp_path.iterdir()) == []


def test_resume_from_takes_a_bytes_path_and_refuses_an_empty_one_or_a_number(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    whole = bn.simulate(bn.CoombesByrne(), CONN, checkpoint="ck.npz", **KW)
    resumed = bn.simulate(bn.CoombesByrne(), CONN, resume_from=b"ck.npz", **KW)  # was pathlib's raw TypeError
    assert resumed.r.values.tolist() == whole.r.values.tolist()
    with pytest.raises(bn.CheckpointError) as err:  # '' was read as '.': "resume_from='.' is a folder"
        bn.simulate(bn.CoombesByrne(), CONN, resume_from="", **KW)
    assert str(err.value) == "resume_from is empty; pass the checkpoint= path of the interrupted run."
    with pytest.raises(bn.CheckpointError) as err:  # was pathlib's raw TypeError
        bn.simulate(bn.CoombesByrne(), CONN, resume_from=5, **KW)
    assert str(err.value) == "resume_from must be a str or os.PathLike; got int."


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "ck.npz"
    bn.simulate(bn.CoombesByrne(), CONN, checkpoint=path, **KW)
    return path


@pytest.mark.parametrize(
    "change, hint",
    [
        (dict(initial_state={"r": 0.2}), r"initial state: .* \(same summary, different values: the initial state "
                                         r"\(initial_state=\), the delay history \(history=\)"),
        (dict(conn=bn.Connectome(weights=CONN.weights, lengths=CONN.lengths, labels=["a", "b", "c"])),
         r"connectome: .* \(same summary, different values: weights, tract lengths or region labels differ\)"),
    ],
)
def test_a_mismatch_whose_summaries_read_the_same_says_what_differs(saved, change, hint):
    conn = change.pop("conn", CONN)
    with pytest.raises(bn.CheckpointError, match=f"(?s)written by another run; these differ:.*{hint}"):
        bn.simulate(bn.CoombesByrne(), conn, resume_from=saved, **dict(KW, **change))


def test_a_mismatch_with_different_summaries_is_worded_as_before():
    saved = {"dt": {"describe": "0.1 ms", "hash": "a"}}
    now = {"dt": {"describe": "0.05 ms", "hash": "b"}}
    assert ck._describe_mismatch(saved, now) == ["  dt: checkpoint 0.1 ms; this run 0.05 ms"]


def test_a_summary_written_before_decimal_periods_still_matches():
    # a checkpoint of TemporalAverage(0.3) at dt 0.1 written before the period was stamped as 0.3 was refused:
    # "monitors: checkpoint TemporalAverage(period=0.30000000000000004); this run TemporalAverage(period=0.3)"
    def header(text):
        return {"monitors": {"hash": "h", "describe": text}}

    now = header("TemporalAverage(period=0.3); Bold(tr=720.0)")
    assert ck._describe_mismatch(header("TemporalAverage(period=0.30000000000000004); Bold(tr=720.0)"), now) == []
    assert ck._describe_mismatch(header("TemporalAverage(period=0.4); Bold(tr=720.0)"), now) == [
        "  monitors: checkpoint TemporalAverage(period=0.4); Bold(tr=720.0); this run TemporalAverage(period=0.3); "
        "Bold(tr=720.0)"]
    assert ck._describe_mismatch(header("SubSample(period=0.3); Bold(tr=720.0)"), now) != []
