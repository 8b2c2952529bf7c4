"""Router.pick_traced(): a real pick that explains itself (llmr_pick_options.trace), and
explain()'s agreement with the real pick when prefix hashes steer engine_aware."""

import json

import pytest

import llmroute
from llmroute import Status, Strategy


def test_a_traced_pick_is_a_real_pick_that_names_what_it_took(make_router):
    r = make_router(strategy="round_robin")
    for name in "abc":
        r.add_deployment(name, ["m"])
    taken = set()
    for _ in range(3):
        p, e = r.pick_traced("m")
        assert isinstance(e, llmroute.Explanation)
        assert (e.status, e.picked, e.approximate) == (Status.OK, p.deployment, False)
        c = e.candidates[e.picked_index]
        assert (c.deployment, c.picked, c.rank, c.in_flight) == (p.deployment, True, 0, 0)
        assert json.loads(e.json)["picked"] == p.deployment
        taken.add(p.deployment)
        r.cancel(p)
    assert taken == {"a", "b", "c"}  # the rotation moved: real picks
    assert [r.health(n).picks for n in "abc"] == [1, 1, 1]

    # Nothing carries the tag: the pick fails and its error carries the trace.
    with pytest.raises(llmroute.NoProviderError) as failed:
        r.pick_traced("m", required_tags=["eu"])
    trace = failed.value.trace
    assert (trace.status, trace.picked, trace.picked_index) == (Status.NO_PROVIDER, None, -1)
    assert trace.candidates[0].reason == "missing a required tag"
    with pytest.raises(llmroute.UnknownModelError):
        r.pick_traced("nope")
    with pytest.raises(llmroute.InvalidArgumentError, match="deadline_ms"):
        r.pick_traced("m", deadline_ms=-1)
    assert [r.health(n).in_flight for n in "abc"] == [0, 0, 0]


def test_explain_with_prefix_hashes_names_the_deployment_the_pick_takes(make_router):
    r = make_router(strategy="engine_aware")
    r.add_deployment("d0", ["m"])
    r.add_deployment("d1", ["m"])
    hashes = llmroute.prefix_hashes(b"p" * 512, 64)
    assert len(hashes) == 8
    seed = r.pick("m", exclude=["d0"], prefix_hashes=hashes)  # d1 is sent the prompt
    assert seed.deployment == "d1"
    r.cancel(seed)
    e = r.explain("m", prefix_hashes=hashes)
    assert (e.picked, e.score_kind, e.strategy) == ("d1", "engine_merit", Strategy.ENGINE_AWARE)
    assert e.candidates[1].score > e.candidates[0].score
    p, trace = r.pick_traced("m", prefix_hashes=hashes)
    assert p.deployment == trace.picked == "d1"
    r.cancel(p)
    p = r.pick("m", prefix_hashes=hashes)
    assert p.deployment == "d1"
    r.cancel(p)
