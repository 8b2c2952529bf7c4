"""llmroute.feature_enabled(): the flag agrees with what the loaded library does."""

import pytest

import llmroute


def test_redis_flag_matches_what_the_library_does():
    enabled = llmroute.feature_enabled("redis")
    assert isinstance(enabled, bool)
    # Nothing listens on port 1: a build with Redis creates the router (and routes on local
    # state), a build without it refuses the URL.
    if enabled:
        with llmroute.Router(shared_state_url="redis://127.0.0.1:1/0",
                             shared_state_connect_timeout_ms=200) as router:
            assert router.shared_state_status().enabled
    else:
        with pytest.raises(llmroute.InvalidArgumentError, match="without Redis support"):
            llmroute.Router(shared_state_url="redis://127.0.0.1:1/0")


def test_every_known_feature_has_an_answer():
    for name in llmroute.KNOWN_FEATURES:
        assert llmroute.feature_enabled(name) in (True, False)


@pytest.mark.parametrize("name", ["kafka", "Redis", ""])
def test_unknown_names_are_refused_with_the_known_ones(name):
    with pytest.raises(ValueError, match="unknown feature '%s'.*known: redis" % name):
        llmroute.feature_enabled(name)


def test_name_must_be_a_str():
    with pytest.raises(TypeError, match="must be a str"):
        llmroute.feature_enabled(b"redis")
