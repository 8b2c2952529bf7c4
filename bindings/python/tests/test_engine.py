"""Inference engines: prefix hashes (the vectors every binding shares), load reports and the
engine_aware strategy, on the fake clock."""

import math

import pytest

import llmroute
from llmroute import Strategy


def test_prefix_hashes_match_the_documented_vectors():
    assert llmroute.prefix_hashes(b"abcdefgh", 4) == [0xfc179f83ee0724dd, 0x817603888772b7b0]
    assert llmroute.prefix_hashes("You are a helpful assistant.", 8) == [
        0x9e182a5566490532, 0xf17f507477172ad9, 0xa18b8cf783e6344b]
    assert llmroute.prefix_hashes(b"abcdefghij", 4) == llmroute.prefix_hashes(b"abcdefgh", 4)
    assert llmroute.prefix_hashes(b"abcdefgh", 4, cap=1) == [0xfc179f83ee0724dd]
    assert llmroute.prefix_hashes(b"abc", 4) == []
    with pytest.raises(llmroute.InvalidArgumentError, match="block_bytes"):
        llmroute.prefix_hashes(b"abcd", 0)


def engine_router(make_router):
    r = make_router(strategy=Strategy.ENGINE_AWARE)
    r.add_deployment("a", ["m"])
    r.add_deployment("b", ["m"])
    return r


def pick(r, **kwargs):
    p = r.pick("m", **kwargs)
    r.cancel(p)
    return p.deployment


def test_prefix_beats_load_until_the_guard_trips_and_stale_load_is_ignored(make_router, clock):
    r = engine_router(make_router)
    prefix = llmroute.prefix_hashes("system prompt " * 40, 64)
    assert pick(r, exclude=["b"], prefix_hashes=prefix) == "a"
    r.report_load("a", waiting=20, kv_cache_utilization=0.5)
    r.report_load("b", kv_cache_utilization=0.5)
    assert {pick(r, prefix_hashes=prefix) for _ in range(10)} == {"a"}
    r.report_load("a", waiting=100, kv_cache_utilization=0.5)  # 100 - 0 > 64, 100 > 1.5 x 0
    assert pick(r, prefix_hashes=prefix) == "b"
    clock.advance_ms(2001)  # past engine_load_stale_ms
    r.report_load("b", kv_cache_utilization=0.5)
    fresh = llmroute.prefix_hashes("another prompt " * 40, 64)
    assert pick(r, exclude=["b"], prefix_hashes=fresh) == "a"
    assert {pick(r, prefix_hashes=fresh) for _ in range(10)} == {"a"}


def test_report_load_rejects_bad_input(make_router):
    r = engine_router(make_router)
    for kwargs, field in [({"kv_cache_utilization": 1.5}, "kv_cache_utilization"),
                          ({"kv_cache_utilization": math.nan}, "kv_cache_utilization"),
                          ({"waiting": -1}, "waiting"), ({"running": -1}, "running")]:
        with pytest.raises(llmroute.InvalidArgumentError, match=field):
            r.report_load("a", **kwargs)
    with pytest.raises(llmroute.NotFoundError, match="ghost"):
        r.report_load("ghost")
    with pytest.raises(llmroute.InvalidArgumentError, match="prefix_hash_count"):
        r.pick("m", prefix_hashes=[1] * (llmroute.PREFIX_HASHES_MAX + 1))
    assert llmroute.strategy_str(Strategy.ENGINE_AWARE) == "engine_aware"
