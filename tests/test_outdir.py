"""The output folders' helpers (hlmsim/outdir.py)."""

from __future__ import annotations


def test_a_second_job_in_a_locked_folder_is_refused(tmp_path) -> None:
    """A long job holds its folder: a second one (another process, or the same) is refused at
    once in one line; the lock is free again when the first ends."""
    import pytest

    from hlmsim.errors import InputError
    from hlmsim.outdir import folder_lock

    refused = pytest.raises(InputError, match="another sweep is running in this folder")
    with folder_lock(tmp_path, "sweep"), refused, folder_lock(tmp_path, "sweep"):
        pass
    with folder_lock(tmp_path, "calibration"):  # free again
        pass
