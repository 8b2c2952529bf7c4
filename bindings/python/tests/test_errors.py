"""Bad input raises the right exception with the right status and the library's message;
tickets are reported exactly once."""

import pytest

import llmroute
from llmroute import Outcome, Status, Strategy


def raises_status(status, fn, *args, **kwargs):
    with pytest.raises(llmroute.LlmrouteError) as info:
        fn(*args, **kwargs)
    assert info.value.status == status, "%r: %s" % (info.value, info.value.message)
    assert isinstance(info.value.status, Status)
    assert info.value.message, "the library gave no message"
    return info.value


@pytest.fixture
def router(make_router):
    r = make_router()
    r.add_deployment("a", ["gpt-4o"])
    return r


def test_double_report_raises_ticket_done(router):
    p = router.pick("gpt-4o")
    router.report(p.ticket, Outcome.SUCCESS, latency_ms=120)
    e = raises_status(Status.TICKET_DONE, router.report, p.ticket, Outcome.SUCCESS)
    assert isinstance(e, llmroute.TicketDoneError)
    h = router.health("a")
    assert (h.picks, h.successes, h.in_flight) == (1, 1, 0)  # nothing counted twice


def test_report_after_cancel_and_double_cancel_raise_ticket_done(router):
    p = router.pick("gpt-4o")
    router.cancel(p)
    raises_status(Status.TICKET_DONE, router.report, p, Outcome.SERVER_ERROR)
    raises_status(Status.TICKET_DONE, router.cancel, p)
    h = router.health("a")
    assert (h.cancels, h.failures, h.in_flight) == (1, 0, 0)


def test_unknown_tickets_raise_invalid_ticket(router):
    for ticket in (0, 12345, 2**64 - 1, -1, 2**64):
        e = raises_status(Status.INVALID_TICKET, router.report, ticket, Outcome.SUCCESS)
        assert isinstance(e, llmroute.InvalidTicketError)
        raises_status(Status.INVALID_TICKET, router.cancel, ticket)
    with pytest.raises(TypeError):
        router.cancel("1")


def test_unknown_model_raises_with_the_model_in_the_message(router):
    e = raises_status(Status.UNKNOWN_MODEL, router.pick, "gpt-4")
    assert isinstance(e, llmroute.UnknownModelError) and isinstance(e, LookupError)
    assert "gpt-4" in e.message and "gpt-4" in str(e)
    raises_status(Status.UNKNOWN_MODEL, router.pick, "GPT-4O")   # exact, case-sensitive
    raises_status(Status.UNKNOWN_MODEL, router.pick, "gpt-4o ")
    raises_status(Status.UNKNOWN_MODEL, router.fallbacks, "gpt-4")
    assert router.health("a").picks == 0


def test_empty_names_are_invalid(router):
    for call in (lambda: router.pick(""),
                 lambda: router.add_deployment("", ["m"]),
                 lambda: router.add_deployment("b", [""]),
                 lambda: router.add_deployment("b", ["m"], tags=[""]),
                 lambda: router.remove_deployment(""),
                 lambda: router.health(""),
                 lambda: router.set_alias("", "gpt-4o"),
                 lambda: router.set_alias("x", ""),
                 lambda: router.set_fallbacks("", ["gpt-4o"]),
                 lambda: router.set_model_strategy("", Strategy.LATENCY),
                 lambda: router.set_override("", llmroute.Override.FORCE_OPEN),
                 lambda: router.fallbacks("")):
        e = raises_status(Status.INVALID_ARGUMENT, call)
        assert isinstance(e, llmroute.InvalidArgumentError) and isinstance(e, ValueError)


def test_excluded_names_are_checked_like_every_name(router):
    """The header: strings passed in are UTF-8 names of at most LLMR_NAME_MAX bytes, and
    LLMR_ERR_INVALID_ARGUMENT means an argument is "empty, too long, not UTF-8". The names in
    an exclude list are deployment names passed in like any other."""
    for bad in ("", "x" * (llmroute.NAME_MAX + 1), b"\xff"):
        raises_status(Status.INVALID_ARGUMENT, router.pick, "gpt-4o", exclude=["b", bad])
        raises_status(Status.INVALID_ARGUMENT, router.fallbacks, "gpt-4o", exclude=["b", bad])
    assert router.health("a").in_flight == 0


def test_too_long_names_are_invalid_and_the_limit_is_in_bytes(router):
    longest = "d" * llmroute.NAME_MAX
    router.add_deployment(longest, ["m" * llmroute.NAME_MAX])
    p = router.pick("m" * llmroute.NAME_MAX)
    assert p.deployment == longest and p.model == "m" * llmroute.NAME_MAX
    router.cancel(p)
    raises_status(Status.INVALID_ARGUMENT, router.add_deployment, "d" * (llmroute.NAME_MAX + 1),
                  ["m"])
    raises_status(Status.INVALID_ARGUMENT, router.pick, "m" * (llmroute.NAME_MAX + 1))
    raises_status(Status.INVALID_ARGUMENT, router.add_deployment, "x", ["m" * 10_000])
    # 86 three-byte characters are 258 bytes: too long although only 86 characters.
    raises_status(Status.INVALID_ARGUMENT, router.add_deployment, "\u20ac" * 86, ["m"])
    router.add_deployment("\u20ac" * 85, ["m"])  # 255 bytes
    assert router.health("\u20ac" * 85).name == "\u20ac" * 85


def test_names_that_cannot_be_utf8_are_invalid(router):
    # A lone surrogate cannot be encoded: the binding refuses it.
    e = raises_status(Status.INVALID_ARGUMENT, router.add_deployment, "bad\ud800", ["gpt-4o"])
    assert "UTF-8" in e.message
    raises_status(Status.INVALID_ARGUMENT, router.pick, "gpt\udcff")
    raises_status(Status.INVALID_ARGUMENT, router.add_deployment, "b", ["m\ud800"])
    # Bytes that are not UTF-8: the library refuses them.
    raises_status(Status.INVALID_ARGUMENT, router.pick, b"gpt\xff")
    raises_status(Status.INVALID_ARGUMENT, router.add_deployment, b"\xc3(", ["m"])
    # An embedded NUL would silently truncate the name in C: refused.
    e = raises_status(Status.INVALID_ARGUMENT, router.add_deployment, "a\0b", ["m"])
    assert "NUL" in e.message
    raises_status(Status.INVALID_ARGUMENT, router.pick, "gpt-4o\0x")
    # Non-ASCII that is valid UTF-8 round-trips.
    router.add_deployment("déploiement-日本", ["modèle-✓"])
    p = router.pick("modèle-✓")
    assert p.deployment == "déploiement-日本" and p.model == "modèle-✓"
    router.cancel(p)
    with pytest.raises(TypeError):
        router.pick(None)
    with pytest.raises(TypeError):
        router.add_deployment(42, ["m"])


def test_deployment_arguments(router):
    raises_status(Status.INVALID_ARGUMENT, router.add_deployment, "b", [])        # no models
    raises_status(Status.INVALID_ARGUMENT, router.add_deployment, "b", ["m"], weight=0)
    raises_status(Status.INVALID_ARGUMENT, router.add_deployment, "b", ["m"], weight=1_000_001)
    # Out of uint32_t range: must not wrap around to a valid weight of 1.
    raises_status(Status.INVALID_ARGUMENT, router.add_deployment, "b", ["m"], weight=2**32 + 1)
    raises_status(Status.INVALID_ARGUMENT, router.add_deployment, "b", ["m"], weight=-1)
    raises_status(Status.INVALID_ARGUMENT, router.add_deployment, "b", ["m"], tier=256)
    raises_status(Status.INVALID_ARGUMENT, router.add_deployment, "b",
                  ["m"] * (llmroute.LIST_MAX + 1))
    with pytest.raises(TypeError):
        router.add_deployment("b", ["m"], weight=1.5)
    router.add_deployment("b", ["m"], weight=1_000_000, tier=255)
    e = raises_status(Status.ALREADY_EXISTS, router.add_deployment, "a", ["m"])
    assert isinstance(e, llmroute.AlreadyExistsError) and "a" in e.message


def test_not_found(router):
    for call in (lambda: router.remove_deployment("zz"),
                 lambda: router.update_deployment("zz", ["m"]),
                 lambda: router.health("zz"),
                 lambda: router.remove_alias("zz"),
                 lambda: router.set_override("zz", llmroute.Override.FORCE_OPEN)):
        e = raises_status(Status.NOT_FOUND, call)
        assert isinstance(e, llmroute.NotFoundError) and "zz" in e.message


def test_enum_arguments(router):
    p = router.pick("gpt-4o")
    raises_status(Status.INVALID_ARGUMENT, router.report, p, 99)
    raises_status(Status.INVALID_ARGUMENT, router.report, p, "exploded")
    router.report(p, "server_error")  # names work too
    assert router.health("a").failures == 1
    raises_status(Status.INVALID_ARGUMENT, router.set_override, "a", 7)
    raises_status(Status.INVALID_ARGUMENT, router.set_model_strategy, "gpt-4o", 42)
    raises_status(Status.INVALID_ARGUMENT, router.set_model_strategy, "gpt-4o", "fastest")
    raises_status(Status.INVALID_ARGUMENT, router.set_fallbacks, "gpt-4o", ["gpt-4o"])  # itself


def test_router_options_are_validated():
    e = raises_status(Status.INVALID_ARGUMENT, llmroute.Router, breaker_jitter=1.0)
    assert "breaker_jitter" in e.message
    e = raises_status(Status.INVALID_ARGUMENT, llmroute.Router, breaker_failure_ratio=1.5)
    assert "breaker_failure_ratio" in e.message
    raises_status(Status.INVALID_ARGUMENT, llmroute.Router, strategy=Strategy.DEFAULT)
    raises_status(Status.INVALID_ARGUMENT, llmroute.Router, strategy="fastest")
    raises_status(Status.INVALID_ARGUMENT, llmroute.Router, all_open_policy=2)
    raises_status(Status.INVALID_ARGUMENT, llmroute.Router, breaker_window_ms=-1)
    raises_status(Status.INVALID_ARGUMENT, llmroute.Router, breaker_min_requests=2**32)
    with pytest.raises(TypeError):
        llmroute.Router(breaker_jiter=0.2)  # a typo is not silently ignored
    with pytest.raises(TypeError):
        llmroute.Router(clock=42)
    with llmroute.Router(strategy="weighted_random", all_open_policy="panic",
                         breaker_consecutive_failures=3, latency_buffer=0.2) as r:
        r.add_deployment("a", ["*"])
        r.cancel(r.pick("anything"))


def test_closed_router(make_router):
    r = make_router()
    r.close()
    r.close()  # idempotent
    assert r.closed
    raises_status(Status.INVALID_ARGUMENT, r.pick, "gpt-4o")
    raises_status(Status.INVALID_ARGUMENT, r.add_deployment, "a", ["m"])
    with pytest.raises(llmroute.ClosedError, match="the router is closed"):
        r.pick("gpt-4o")


def test_error_objects():
    e = llmroute.NoProviderError(Status.NO_PROVIDER, "all cooling down", retry_after_ms=1500)
    assert e.retry_after_ms == 1500 and "LLMR_ERR_NO_PROVIDER" in str(e)
    import pickle
    copy = pickle.loads(pickle.dumps(e))
    assert (type(copy), copy.status, copy.message, copy.retry_after_ms) == (
        llmroute.NoProviderError, Status.NO_PROVIDER, "all cooling down", 1500)
    generic = llmroute.LlmrouteError(Status.CAPACITY, "full")
    assert generic.status is Status.CAPACITY and generic.status_name == "LLMR_ERR_CAPACITY"


def test_error_message_belongs_to_the_failing_call_on_each_thread(make_router):
    """Many threads fail at once with different names; each reads its own message."""
    import threading
    r = make_router()
    r.add_deployment("a", ["gpt-4o"])
    problems = []

    def worker(i):
        for k in range(300):
            name = "missing-%d-%d" % (i, k)
            try:
                if k % 3 == 0:
                    r.remove_deployment(name)
                elif k % 3 == 1:
                    r.pick(name)
                else:
                    r.cancel(r.pick("gpt-4o"))  # a success in between clears nothing of ours
                    r.health(name)
            except llmroute.LlmrouteError as e:
                if name not in e.message:
                    problems.append((name, e.message))
            else:
                problems.append((name, "no error"))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert problems == []
