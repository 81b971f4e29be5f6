"""The browsing bench at a small size, in both modes: updates reach the shop by getUpdates or by its
webhook, every update sent in the window is answered without an error, and the report says how the
updates came.

Nothing here is timed: the bench's figures are its own business, not a test's."""

import json
import sys
from pathlib import Path

import pytest
import trio

UPDATES = Path(__file__).resolve().parents[1] / "bench" / "updates.py"


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_the_browsing_bench_runs_in_each_mode(mode: str, tmp_path: Path) -> None:
    figures = tmp_path / "figures.json"
    command = [sys.executable, str(UPDATES), "--mode", mode, "--users", "5", "--seconds", "1", "--warmup", "0.5",
               "--json", str(figures)]
    done = await trio.run_process(command, capture_stdout=True, capture_stderr=True, check=False)
    output = done.stdout.decode()
    assert done.returncode == 0, done.stderr.decode() + output
    measured = json.loads(figures.read_text())
    assert (measured["mode"], measured["users"], measured["errors"]) == (mode, 5, 0), output
    assert measured["updates"] > 0 and measured["shop_cpu_ms_per_update"] > 0
    if mode == "webhook":
        assert "webhook requests in the window:" in output and "taken" in output
        assert "getUpdates in the window" not in output
    else:
        assert "getUpdates in the window:" in output


async def test_the_journey_bench_brings_newcomers_through_registration_and_screens(tmp_path: Path) -> None:
    figures = tmp_path / "figures.json"
    command = [sys.executable, str(UPDATES), "--scenario", "journey", "--users", "3", "--seconds", "2", "--warmup", "0.5",
               "--json", str(figures)]
    done = await trio.run_process(command, capture_stdout=True, capture_stderr=True, check=False)
    output = done.stdout.decode()
    assert done.returncode == 0, done.stderr.decode() + output
    measured = json.loads(figures.read_text())
    assert (measured["scenario"], measured["think_s"], measured["errors"]) == ("journey", 0.0, 0), output
    assert measured["updates"] > 0 and measured["shop_cpu_ms_per_update"] > 0, output
    # Three at a time, each retired after 25 updates for a newcomer: with no think time, more come.
    assert measured["newcomers"] > 3, output
