#!/usr/bin/env python3
"""Parses llmroute's Prometheus text exposition with prometheus_client's parser (the reference
Python implementation) and checks the values metrics_dump.c's scenario determines.

Usage: check_metrics.py PATH_TO_METRICS_DUMP
"""
import math
import subprocess
import sys

from prometheus_client.parser import text_string_to_metric_families


def main():
    text = subprocess.run([sys.argv[1]], check=True, capture_output=True, text=True).stdout
    families = {f.name: f for f in text_string_to_metric_families(text)}

    # Every family: the llmroute_ prefix, HELP text, a known type; counters' samples end in _total.
    assert families, "no metric families"
    for name, family in families.items():
        assert name.startswith("llmroute_"), name
        assert family.documentation, f"{name} has no HELP"
        assert family.type in ("counter", "gauge", "histogram"), (name, family.type)
        for sample in family.samples:
            if family.type == "counter":
                assert sample.name.endswith("_total"), sample.name
            assert not math.isnan(sample.value), sample

    def value(family, sample_name=None, **labels):
        found = [s.value for s in families[family].samples
                 if (sample_name is None or s.name == sample_name) and
                 all(s.labels.get(k) == v for k, v in labels.items())]
        assert len(found) == 1, (family, sample_name, labels, found)
        return found[0]

    odd = 'quote"back\\slash'  # escaped in the text, restored by the parser

    # Requests by outcome; picks; in flight; tokens.
    requests = "llmroute_deployment_requests"
    assert value(requests, deployment="alpha", outcome="success") == 20
    assert value(requests, deployment="alpha", outcome="timeout") == 0
    assert value(requests, deployment=odd, outcome="timeout") == 5
    assert value(requests, deployment=odd, outcome="success") == 1
    assert value(requests, deployment="gamma", outcome="cancelled") == 1
    assert value(requests, deployment="gamma", outcome="success") == 1
    assert value(requests, deployment="delta", outcome="server_error") == 1
    outcomes = {s.labels["outcome"] for s in families[requests].samples}
    assert outcomes == {"success", "rate_limited", "server_error", "timeout", "connection_error",
                        "auth_error", "bad_request", "context_window_exceeded", "content_policy",
                        "cancelled"}, outcomes
    assert value("llmroute_deployment_picks", deployment="alpha") == 20
    assert value("llmroute_deployment_picks", deployment="gamma") == 3
    assert value("llmroute_deployment_in_flight", deployment="gamma") == 1
    assert value("llmroute_deployment_in_flight", deployment="alpha") == 0
    assert value("llmroute_deployment_tokens", deployment="alpha", type="input") == 2000
    assert value("llmroute_deployment_tokens", deployment="alpha", type="output") == 1000

    # The latency histogram: cumulative buckets, +Inf equal to _count, the sum in seconds.
    hist = "llmroute_deployment_latency_seconds"
    assert families[hist].type == "histogram"
    assert value(hist, hist + "_count", deployment="alpha") == 20
    assert math.isclose(value(hist, hist + "_sum", deployment="alpha"), 2.1)
    buckets = sorted(((float(s.labels["le"]), s.value) for s in families[hist].samples
                      if s.name == hist + "_bucket" and s.labels["deployment"] == "alpha"))
    counts = [c for _, c in buckets]
    assert counts == sorted(counts), "buckets must be cumulative"
    assert buckets[-1] == (math.inf, 20)
    assert dict(buckets)[0.1] == 10 and dict(buckets)[0.2] == 20 and dict(buckets)[0.05] == 5
    assert value(hist, hist + "_count", deployment="delta") == 0
    ewma = value("llmroute_deployment_latency_ewma_seconds", deployment="alpha")
    assert 0.01 < ewma < 0.2, ewma

    # Breaker state and transitions of the deployment that tripped and recovered.
    assert value("llmroute_deployment_breaker_state", deployment=odd, state="closed") == 1
    assert value("llmroute_deployment_breaker_state", deployment=odd, state="open") == 0
    transitions = "llmroute_deployment_breaker_transitions"
    for to in ("open", "half_open", "closed"):
        assert value(transitions, deployment=odd, to=to) == 1, to
        assert value(transitions, deployment="alpha", to=to) == 0, to
    assert value("llmroute_deployment_eligible", deployment=odd) == 1
    assert value("llmroute_deployment_cooldown_remaining_seconds", deployment=odd) == 0

    # Announced quotas: counts only while announced, exhaustions for every deployment.
    remaining = "llmroute_deployment_quota_remaining"
    assert value(remaining, deployment="epsilon", type="requests") == 7
    assert value(remaining, deployment="epsilon", type="tokens") == 1234
    assert value(remaining, deployment="zeta", type="requests") == 0
    assert not [s for s in families[remaining].samples if s.labels["deployment"] == "alpha"]
    assert value("llmroute_deployment_quota_reset_seconds", deployment="epsilon", type="tokens") == 4
    assert value("llmroute_deployment_quota_exhausted_seconds", deployment="zeta") == 7200
    assert value("llmroute_deployment_quota_exhausted_seconds", deployment="epsilon") == 0
    assert value("llmroute_deployment_quota_exhaustions", deployment="zeta") == 1
    assert value("llmroute_deployment_quota_exhaustions", deployment="alpha") == 0
    assert value("llmroute_deployment_eligible", deployment="zeta") == 0

    # Models (after alias resolution) and fallbacks; configurations.
    assert value("llmroute_model_picks", model="m") == 20
    assert value("llmroute_model_picks", model="b-model") == 6
    assert value("llmroute_model_picks", model="n") == 3
    assert value("llmroute_model_picks", model="m2") == 1
    assert value("llmroute_model_fallbacks", model="m2") == 1
    assert value("llmroute_model_fallbacks", model="m") == 0
    assert value("llmroute_config_applied") == 2
    assert value("llmroute_config_rejected") == 1

    print(f"ok: {len(families)} families, "
          f"{sum(len(f.samples) for f in families.values())} samples parsed")


if __name__ == "__main__":
    main()
