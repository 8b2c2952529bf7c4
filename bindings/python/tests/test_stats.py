"""Router.stats() (dataclasses per deployment and per model, with latency quantiles) and
Router.metrics_text() (the Prometheus text exposition)."""

import math
import re
import threading

import pytest

import llmroute
from llmroute import AttemptResult, BreakerState, Outcome

pytestmark = pytest.mark.skipif(
    "llmr_router_stats" in llmroute._native.missing_functions,
    reason="the library under test has no statistics API")


@pytest.fixture
def router(make_router):
    r = make_router(breaker_jitter=0.0)
    r.add_deployment("a", ["m"])
    r.add_deployment("b", ["m", "other"])
    r.set_alias("alias", "m")
    return r


def on(router, name, model="m"):
    others = [h.name for h in router.health_list() if h.name != name]
    p = router.pick(model, exclude=others)
    assert p.deployment == name
    return p


def test_counts_after_picks_and_reports(router):
    outcomes = ([Outcome.SUCCESS] * 6 + [Outcome.RATE_LIMITED, Outcome.TIMEOUT,
                                         Outcome.CONNECTION_ERROR, Outcome.AUTH_ERROR,
                                         Outcome.BAD_REQUEST, Outcome.CONTEXT_WINDOW_EXCEEDED,
                                         Outcome.CONTENT_POLICY, Outcome.SERVER_ERROR])
    for outcome in outcomes:
        # Interleaved with successes so that the breaker never trips.
        router.report(on(router, "a"), outcome, latency_ms=100, input_tokens=10,
                      output_tokens=4)
        router.report(on(router, "a"), Outcome.SUCCESS, latency_ms=100)
    router.cancel(on(router, "a"))
    in_flight = on(router, "a")
    for _ in range(3):  # through the alias: counted for the model it resolves to
        router.report(router.pick("alias", exclude=["a"]), Outcome.SUCCESS, latency_ms=50)
    router.report(on(router, "b", "other"), Outcome.SUCCESS, latency_ms=50)

    s = router.stats()
    assert isinstance(s, llmroute.Stats)
    assert [d.name for d in s.deployments] == ["a", "b"]
    a = s.deployment("a")
    assert isinstance(a, llmroute.DeploymentStats)
    assert (a.successes, a.rate_limited, a.server_errors, a.timeouts, a.connection_errors,
            a.auth_errors, a.bad_requests, a.context_window_exceeded, a.content_policy) == (
        6 + len(outcomes), 1, 1, 1, 1, 1, 1, 1, 1)
    assert (a.cancels, a.in_flight) == (1, 1)
    assert a.picks == sum(a.outcomes.values()) + a.cancels + a.in_flight == 2 * len(outcomes) + 2
    assert a.outcomes[Outcome.SUCCESS] == a.successes
    assert (a.input_tokens, a.output_tokens) == (10 * len(outcomes), 4 * len(outcomes))
    assert (a.state, a.eligible, a.cooldown_remaining_ms) == (BreakerState.CLOSED, True, 0)
    assert (a.breaker_opened, a.breaker_half_opened, a.breaker_closed) == (0, 0, 0)
    # Only successes feed the latency histogram.
    assert a.latency_count == a.successes
    assert a.latency_sum_ms == pytest.approx(100.0 * a.successes)
    b = s.deployment("b")
    assert (b.picks, b.successes, b.in_flight) == (4, 4, 0)

    # Models: by the name routed as, after alias resolution; sorted by name.
    assert [m.model for m in s.models] == sorted(m.model for m in s.models)
    assert isinstance(s.model("m"), llmroute.ModelStats)
    assert s.model("m").picks == a.picks + 3
    assert s.model("other").picks == 1
    assert s.model("m").fallbacks == 0
    with pytest.raises(KeyError):
        s.model("alias")
    with pytest.raises(KeyError):
        s.deployment("nobody")
    assert (s.configs_applied, s.configs_rejected) == (0, 0)
    assert s.metrics_text is None

    router.report(in_flight, Outcome.SUCCESS)
    assert router.stats().deployment("a").in_flight == 0
    # A snapshot is a copy: it does not move afterwards.
    assert s.deployment("a").in_flight == 1


def test_latency_quantiles(router):
    s = router.stats().deployment("a")
    assert (s.latency_count, s.latency_sum_ms) == (0, 0)
    assert (s.latency_p50_ms, s.latency_p90_ms, s.latency_p99_ms) == (None, None, None)
    assert s.ewma_latency_ms is None and s.latency_mean_ms is None
    for ms in range(1, 1001):
        router.report(on(router, "a"), Outcome.SUCCESS, latency_ms=float(ms))
    # A failure's latency is not in the histogram of successful requests.
    router.report(on(router, "a"), Outcome.TIMEOUT, latency_ms=60_000)
    s = router.stats().deployment("a")
    assert s.latency_count == 1000
    assert s.latency_sum_ms == pytest.approx(500_500)
    assert s.latency_mean_ms == pytest.approx(500.5)
    # Within the histogram's 10%.
    assert s.latency_p50_ms == pytest.approx(500, rel=0.1)
    assert s.latency_p90_ms == pytest.approx(900, rel=0.1)
    assert s.latency_p99_ms == pytest.approx(990, rel=0.1)
    assert s.latency_p50_ms <= s.latency_p90_ms <= s.latency_p99_ms
    assert s.latency_quantiles == {0.5: s.latency_p50_ms, 0.9: s.latency_p90_ms,
                                   0.99: s.latency_p99_ms}
    assert s.ewma_latency_ms is not None and s.ewma_latency_ms > 0


def test_breaker_transitions_are_counted(router, clock):
    for _ in range(5):
        router.report(on(router, "a"), Outcome.SERVER_ERROR)
    a = router.stats().deployment("a")
    assert (a.state, a.eligible, a.breaker_opened, a.cooldown_remaining_ms) == (
        BreakerState.OPEN, False, 1, 5000)
    clock.advance_ms(2000)
    assert router.stats().deployment("a").cooldown_remaining_ms == 3000
    clock.advance_ms(3000)
    p = on(router, "a")
    assert p.is_probe
    router.report(p, Outcome.SUCCESS)
    a = router.stats().deployment("a")
    assert (a.state, a.breaker_opened, a.breaker_half_opened, a.breaker_closed) == (
        BreakerState.CLOSED, 1, 1, 1)


def test_model_fallbacks_are_counted(clock, rng):
    def sleep(ns):
        clock.now_ns += ns

    with llmroute.Router(clock=clock, random=rng, sleep=sleep) as r:
        r.add_deployment("x", ["m1"])
        r.add_deployment("y", ["m2"])
        r.set_fallbacks("m1", ["m2"])
        r.set_adapter("x", lambda attempt: AttemptResult(Outcome.SERVER_ERROR, latency_ms=5))
        r.set_adapter("y", lambda attempt: Outcome.SUCCESS)
        report = r.call("m1", b"hi")
        assert report.used_fallback and report.deployment == "y"
        s = r.stats()
        assert (s.model("m1").picks, s.model("m1").fallbacks) == (1, 1)
        assert (s.model("m2").picks, s.model("m2").fallbacks) == (1, 0)
        assert s.deployment("x").server_errors == 1 and s.deployment("y").successes == 1


def test_config_counts(make_router):
    config = {"deployments": [{"name": "a", "models": ["m"]}]}
    with llmroute.Router.from_config(config) as r:
        r.apply_config(config)
        with pytest.raises(llmroute.ConfigError):
            r.apply_config({"deployments": [{"name": "a"}]})
        s = r.stats()
        assert (s.configs_applied, s.configs_rejected) == (2, 1)


METRIC_LINE = re.compile(r'^([a-z_]+)(\{[^}]*\})? (\S+)$')


def sample(text, name, **labels):
    """The value of one sample line of the exposition."""
    want = "{%s}" % ",".join('%s="%s"' % kv for kv in labels.items()) if labels else None
    found = []
    for line in text.splitlines():
        m = METRIC_LINE.match(line)
        if m and m.group(1) == name and (want is None or m.group(2) == want):
            found.append(float(m.group(3)))
    assert len(found) == 1, (name, labels, found)
    return found[0]


def populate(router):
    for ms in (100, 200, 300):
        router.report(on(router, "a"), Outcome.SUCCESS, latency_ms=ms, input_tokens=7,
                      output_tokens=3)
    router.report(on(router, "a"), Outcome.RATE_LIMITED)
    router.cancel(on(router, "b"))
    return on(router, "b")  # in flight


def test_metrics_text(router):
    ticket = populate(router)
    text = router.metrics_text()
    assert isinstance(text, str) and text.endswith("\n")
    for family, kind in (("llmroute_deployment_picks_total", "counter"),
                         ("llmroute_deployment_requests_total", "counter"),
                         ("llmroute_deployment_in_flight", "gauge"),
                         ("llmroute_deployment_latency_seconds", "histogram"),
                         ("llmroute_model_picks_total", "counter"),
                         ("llmroute_config_applied_total", "counter")):
        assert "# TYPE %s %s\n" % (family, kind) in text
        assert "# HELP %s " % family in text
    assert sample(text, "llmroute_deployment_picks_total", deployment="a") == 4
    assert sample(text, "llmroute_deployment_requests_total", deployment="a",
                  outcome="success") == 3
    assert sample(text, "llmroute_deployment_requests_total", deployment="a",
                  outcome="rate_limited") == 1
    assert sample(text, "llmroute_deployment_requests_total", deployment="b",
                  outcome="cancelled") == 1
    assert sample(text, "llmroute_deployment_in_flight", deployment="b") == 1
    assert sample(text, "llmroute_deployment_tokens_total", deployment="a", type="input") == 21
    assert sample(text, "llmroute_deployment_latency_seconds_count", deployment="a") == 3
    assert sample(text, "llmroute_deployment_latency_seconds_sum",
                  deployment="a") == pytest.approx(0.6)
    assert sample(text, "llmroute_model_picks_total", model="m") == 6

    # The snapshot's own text: the same numbers as the dataclasses beside it, and (nothing
    # having changed) the same text as the router renders.
    s = router.stats(metrics_text=True)
    assert s.metrics_text == text
    assert sample(s.metrics_text, "llmroute_deployment_picks_total",
                  deployment="a") == s.deployment("a").picks
    router.report(ticket, Outcome.SUCCESS)
    assert sample(router.metrics_text(), "llmroute_deployment_in_flight", deployment="b") == 0


def test_metrics_text_parses_with_prometheus_client(router):
    parser = pytest.importorskip("prometheus_client.parser")
    router.add_deployment('quote"back\\slash', ["m"])
    ticket = populate(router)
    text = router.metrics_text()
    families = {f.name: f for f in parser.text_string_to_metric_families(text)}
    assert families
    for name, family in families.items():
        assert name.startswith("llmroute_"), name
        assert family.documentation, name
        assert family.type in ("counter", "gauge", "histogram"), (name, family.type)
        for s in family.samples:
            assert not math.isnan(s.value), s

    def value(family, sample_name=None, **labels):
        found = [s.value for s in families[family].samples
                 if (sample_name is None or s.name == sample_name)
                 and all(s.labels.get(k) == v for k, v in labels.items())]
        assert len(found) == 1, (family, sample_name, labels, found)
        return found[0]

    stats = router.stats()
    for d in stats.deployments:
        # Label values are escaped in the text and restored by the parser.
        assert value("llmroute_deployment_picks", deployment=d.name) == d.picks
        assert value("llmroute_deployment_in_flight", deployment=d.name) == d.in_flight
        assert value("llmroute_deployment_requests", deployment=d.name,
                     outcome="success") == d.successes
    hist = "llmroute_deployment_latency_seconds"
    assert families[hist].type == "histogram"
    assert value(hist, hist + "_count", deployment="a") == 3
    assert value(hist, hist + "_bucket", deployment="a", le="+Inf") == 3
    assert value(hist, hist + "_sum", deployment="a") == pytest.approx(0.6)
    assert value("llmroute_model_picks", model="m") == stats.model("m").picks
    router.report(ticket, Outcome.SUCCESS)


def test_metrics_text_grows_with_the_router(make_router):
    r = make_router()
    sizes = []
    count = 0
    for n in (1, 50, 400):
        while count < n:
            r.add_deployment("deployment-%04d-%s" % (count, "x" * 200), ["m"])
            count += 1
        text = r.metrics_text()
        assert text == r.metrics_text()  # the buffer size the binding remembered still fits
        sizes.append(len(text))
        names = set(re.findall(r'deployment="(deployment-\d{4})', text))
        assert len(names) == n
    assert sizes[0] < sizes[1] < sizes[2] and sizes[2] > 1 << 20


def test_stats_while_other_threads_route(make_router):
    r = make_router()
    r.add_deployment("a", ["m"])
    r.add_deployment("b", ["m"])
    errors = []

    def worker():
        try:
            for _ in range(300):
                r.report(r.pick("m"), Outcome.SUCCESS, latency_ms=10)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        s = r.stats()
        for d in s.deployments:
            assert d.picks >= d.successes + d.cancels
        r.metrics_text()
    for t in threads:
        t.join()
    assert errors == []
    s = r.stats()
    assert sum(d.successes for d in s.deployments) == 1200
    assert s.model("m").picks == 1200


def test_stats_of_a_closed_router(make_router):
    r = make_router()
    r.close()
    with pytest.raises(llmroute.InvalidArgumentError):
        r.stats()
    with pytest.raises(llmroute.InvalidArgumentError):
        r.metrics_text()
