"""A month's record (hlmsim.outcomes.Record): a mapping over one block, read as a dict is."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from hlmsim import HLMModel
from hlmsim.observables import TRACK_KEYS
from hlmsim.outcomes import RECORD_KEYS, Record, stacker


def test_a_record_reads_and_writes_like_a_dict_of_its_rows() -> None:
    block = np.arange(6.0).reshape(3, 2)
    rec = Record(block, {"a": 0, "b": 1, "c": 2}, {"wide": np.ones((2, 4))})
    assert list(rec) == ["a", "b", "c", "wide"] and len(rec) == 4
    assert rec["b"].tolist() == [2.0, 3.0] and rec["wide"].shape == (2, 4)
    assert "c" in rec and "z" not in rec and rec.get("z") is None
    assert dict(rec)["c"].tolist() == [4.0, 5.0]
    rec["a"] = np.array([9.0, 8.0])  # written into the block
    assert block[0].tolist() == [9.0, 8.0]
    with pytest.raises(KeyError):
        rec["z"] = np.zeros(2)
    with pytest.raises(TypeError):
        del rec["a"]
    back = pickle.loads(pickle.dumps(rec))
    assert {k: v.tolist() for k, v in back.items()} == {k: v.tolist() for k, v in rec.items()}


def test_model_records_keep_their_keys_in_order_and_stack_as_before() -> None:
    m = HLMModel("default", seed=3, agents=False, months=6).run()
    assert tuple(m.records[0]) == RECORD_KEYS and tuple(m.obs_records[0]) == TRACK_KEYS
    # each month has its own block: later months do not overwrite earlier ones
    assert m.records[0].block is not m.records[1].block
    get = stacker(m.records)
    for key in ("needs_met", "isolation", "cost"):
        want = np.array([r[key] for r in m.records], dtype=float)
        got = get(key)
        assert got.flags.c_contiguous and np.array_equal(got, want)
    obs = stacker(m.obs_records)
    wide = obs("service_first")
    assert wide.shape == (6, *m.obs_records[0]["service_first"].shape)
    # plain mappings (a hand-made history) are read key by key
    plain = [dict(r) for r in m.records]
    assert np.array_equal(stacker(plain)("needs_met"), get("needs_met"))
