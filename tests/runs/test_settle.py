"""The engine's verdict on a run's nodes, fed the health sequences real pods produce."""

from deployments.engine.runner import SettleTracker

H, P, D = "healthy", "progressing", "degraded"


def verdicts(sequence: list[str], grace: float = 3, settle: float = 1) -> list:
    tracker = SettleTracker(grace=grace, settle=settle)
    return [tracker.observe(float(t), {"web": status}) for t, status in enumerate(sequence)]


def test_healthy_for_the_settle_window_completes():
    assert verdicts([P, H, H, H])[-1] == "healthy"
    assert verdicts([H])[-1] is None, "one healthy look is not enough"


def test_a_crash_loop_fails_even_though_it_is_ready_between_crashes():
    # OOM kill, Ready for two polls, OOM kill again: never forgiven, fails after the grace.
    result = verdicts([D, H, H, D, H, H, D])
    assert "healthy" not in result
    assert result[-1] == ["web"]


def test_a_node_that_recovers_for_good_completes_after_the_grace():
    result = verdicts([D, H, H, H, H])
    assert result[2] is None, "settle alone does not forgive a degraded node"
    assert result[-1] == "healthy"


def test_a_recovered_node_is_never_blamed():
    assert verdicts([D, D, H, H, H, H, H])[-1] == "healthy"


def test_the_clocks_travel_from_check_to_check():
    # Each health check is a task of its own: the tracker is dumped into the next check's
    # arguments (JSON) and loaded again, and must judge exactly as one long-lived tracker.
    import json

    for sequence in ([P, H, H, H], [D, H, H, D, H, H, D], [D, H, H, H, H], [D, D, H, H, H, H, H]):
        state: dict = {}
        carried = []
        for t, status in enumerate(sequence):
            tracker = SettleTracker.load(state, grace=3, settle=1)
            carried.append(tracker.observe(float(t), {"web": status}))
            state = json.loads(json.dumps(tracker.dump()))
        assert carried == verdicts(sequence), sequence
