"""Statistics snapshots (llmr_stats): per deployment, per model, and configuration counts.

    stats = router.stats()
    d = stats.deployment("azure-eu")
    print(d.picks, d.successes, d.server_errors, d.latency_p99_ms)
    print(stats.model("gpt-4o").picks, stats.configs_applied)

Counts are lifetime counts: they survive updates and reloads. Router.metrics_text() renders the
same numbers in the Prometheus text format; ``router.stats(metrics_text=True)`` also keeps the
text of the very same snapshot in ``Stats.metrics_text``.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Dict, Optional, Tuple, Union

from . import _native
from .enums import BreakerState, Outcome, _coerce
from .errors import error_for

__all__ = ["Stats", "DeploymentStats", "ModelStats", "SharedStateStatus"]


def _text(value: Optional[bytes]) -> str:
    return _native.text(value) or ""


_within = _native.within


def _ms(value: float) -> Optional[float]:
    """A latency the library gives as negative when there is none."""
    return None if value < 0 else value


@dataclass(frozen=True)
class DeploymentStats:
    """Statistics of one deployment (llmr_deployment_stats)."""

    name: str
    state: Union[BreakerState, int]
    #: Whether a pick could choose it now.
    eligible: bool
    in_flight: int
    #: Picks (call() attempts included): the sum of every outcome count, cancels and in_flight.
    picks: int
    #: Finished requests by outcome, and tickets cancelled.
    successes: int
    rate_limited: int
    server_errors: int
    timeouts: int
    connection_errors: int
    auth_errors: int
    bad_requests: int
    context_window_exceeded: int
    content_policy: int
    cancels: int
    #: Tokens reported.
    input_tokens: int
    output_tokens: int
    #: The moving average routing uses (time to first token when reported); None before the
    #: first sample.
    ewma_latency_ms: Optional[float]
    #: Latency of successful requests over the deployment's lifetime, from a log-linear
    #: histogram (error under 10%): sample count, sum, and quantiles (None while the count is 0).
    latency_count: int
    latency_sum_ms: float
    latency_p50_ms: Optional[float]
    latency_p90_ms: Optional[float]
    latency_p99_ms: Optional[float]
    #: Breaker transitions: to open (trips), to half-open, to closed.
    breaker_opened: int
    breaker_half_opened: int
    breaker_closed: int
    #: Milliseconds until the cooldown ends; 0 when not open.
    cooldown_remaining_ms: int

    @property
    def outcomes(self) -> Dict[Outcome, int]:
        """Finished requests by Outcome."""
        return {
            Outcome.SUCCESS: self.successes,
            Outcome.RATE_LIMITED: self.rate_limited,
            Outcome.SERVER_ERROR: self.server_errors,
            Outcome.TIMEOUT: self.timeouts,
            Outcome.CONNECTION_ERROR: self.connection_errors,
            Outcome.AUTH_ERROR: self.auth_errors,
            Outcome.BAD_REQUEST: self.bad_requests,
            Outcome.CONTEXT_WINDOW_EXCEEDED: self.context_window_exceeded,
            Outcome.CONTENT_POLICY: self.content_policy,
        }

    @property
    def latency_quantiles(self) -> Dict[float, Optional[float]]:
        """{0.5: p50, 0.9: p90, 0.99: p99} in ms (None while there is no sample)."""
        return {0.5: self.latency_p50_ms, 0.9: self.latency_p90_ms, 0.99: self.latency_p99_ms}

    @property
    def latency_mean_ms(self) -> Optional[float]:
        return self.latency_sum_ms / self.latency_count if self.latency_count > 0 else None

    @classmethod
    def _from_c(cls, s: _native.llmr_deployment_stats) -> "DeploymentStats":
        values = {}
        for name, _ctype in _native.llmr_deployment_stats._fields_:
            if name == "struct_size":
                continue
            # A member the (older) library did not write keeps the value *_init() gave it.
            values[name] = getattr(s, name)
        values["name"] = _text(values["name"])
        values["state"] = _coerce(BreakerState, values["state"])
        values["eligible"] = bool(values["eligible"])
        for name in ("ewma_latency_ms", "latency_p50_ms", "latency_p90_ms", "latency_p99_ms"):
            values[name] = _ms(values[name]) if _within(s, name) else None
        return cls(**values)


@dataclass(frozen=True)
class ModelStats:
    """Statistics of one model, by the name requests were routed as (after alias resolution;
    past 4096 distinct names, further ones count together as "(other)")."""

    model: str
    #: Requests routed for the model.
    picks: int
    #: call() calls that moved on from this model to a model of its fallback chains.
    fallbacks: int


@dataclass(frozen=True)
class Stats:
    """A router's statistics at one moment (llmr_stats)."""

    #: Every deployment, in configuration order.
    deployments: Tuple[DeploymentStats, ...]
    #: Every model, sorted by name.
    models: Tuple[ModelStats, ...]
    #: Configurations applied (the one a router was created from included) and rejected.
    configs_applied: int
    configs_rejected: int
    #: The snapshot in the Prometheus text format, when stats(metrics_text=True) asked for it.
    metrics_text: Optional[str] = None

    def deployment(self, name: str) -> DeploymentStats:
        """The deployment called ``name``; KeyError when the snapshot has none."""
        for d in self.deployments:
            if d.name == name:
                return d
        raise KeyError(name)

    def model(self, name: str) -> ModelStats:
        """The model called ``name``; KeyError when the snapshot has none."""
        for m in self.models:
            if m.model == name:
                return m
        raise KeyError(name)


def _check(status: int) -> None:
    if status:
        raise error_for(status, _text(_native.lib.llmr_error_message()))


def read_snapshot(snapshot, metrics_text: bool = False) -> Stats:
    """Copies an llmr_stats snapshot into a Stats (the caller frees the snapshot)."""
    req = _native.require
    d = _native.new_struct(_native.llmr_deployment_stats)
    deployments = []
    for i in range(req("llmr_stats_deployment_count")(snapshot)):
        _check(req("llmr_stats_deployment")(snapshot, i, d))
        deployments.append(DeploymentStats._from_c(d))
    m = _native.new_struct(_native.llmr_model_stats)
    models = []
    for i in range(req("llmr_stats_model_count")(snapshot)):
        _check(req("llmr_stats_model")(snapshot, i, m))
        models.append(ModelStats(model=_text(m.model), picks=m.picks, fallbacks=m.fallbacks))
    applied = ctypes.c_int64()
    rejected = ctypes.c_int64()
    _check(req("llmr_stats_config_counts")(snapshot, ctypes.byref(applied),
                                            ctypes.byref(rejected)))
    text = None
    if metrics_text:
        p = ctypes.c_char_p()
        n = ctypes.c_size_t()
        _check(req("llmr_stats_metrics_text")(snapshot, ctypes.byref(p), ctypes.byref(n)))
        # The text is owned by the snapshot: copied here, before it is freed.
        raw = ctypes.cast(p, ctypes.c_void_p).value
        text = ctypes.string_at(raw, n.value).decode("utf-8", "replace") if raw else ""
    return Stats(deployments=tuple(deployments), models=tuple(models),
                 configs_applied=applied.value, configs_rejected=rejected.value,
                 metrics_text=text)


@dataclass(frozen=True)
class SharedStateStatus:
    """Status of a router's fleet shared state (llmr_shared_state_status, docs/fleet.md)."""

    #: Whether the router was created with a shared state URL.
    enabled: bool
    #: Whether the last exchange with Redis succeeded (breakers and limits are fleet-wide);
    #: False while Redis is unreachable or refuses (the router routes on its own state).
    connected: bool
    #: Milliseconds since the last successful exchange; None before the first.
    last_sync_age_ms: Optional[int]
    #: Successful exchanges, failed connection attempts and exchanges, connections made.
    syncs: int
    sync_failures: int
    connections: int
    #: Breakers this router opened or closed because another instance had.
    remote_opens: int
    remote_closes: int
    #: The last failure, kept after recovery; "" when there was none. Never holds the password.
    last_error: str
    #: How the server is found: 0 one server (redis://), 1 Sentinel (redis-sentinel://),
    #: 2 Redis Cluster (redis-cluster://); 0 without shared state.
    topology: int = 0
    #: Times the state moved to another server (a Sentinel failover, a cluster slot's new owner).
    failovers: int = 0
    #: The server in use ("host:port"), "" while not connected.
    server: str = ""


# Room for the last error message (truncated by the library beyond it).
_LAST_ERROR_CAP = 1024


def read_shared_state_status(router_handle) -> SharedStateStatus:
    out = _native.new_struct(_native.llmr_shared_state_status)
    buf = ctypes.create_string_buffer(_LAST_ERROR_CAP)
    out.last_error = ctypes.addressof(buf)  # char *: an address (buf lives until we return)
    out.last_error_cap = _LAST_ERROR_CAP
    server = ctypes.create_string_buffer(256)
    out.server = ctypes.addressof(server)
    out.server_cap = 256
    _check(_native.require("llmr_router_shared_state_status")(router_handle, out))
    age = out.last_sync_age_ms
    return SharedStateStatus(
        enabled=bool(out.enabled), connected=bool(out.connected),
        last_sync_age_ms=None if age < 0 else age, syncs=out.syncs,
        sync_failures=out.sync_failures, connections=out.connections,
        remote_opens=out.remote_opens, remote_closes=out.remote_closes,
        last_error=buf.value.decode("utf-8", "replace"), topology=out.topology,
        failovers=out.failovers, server=server.value.decode("utf-8", "replace"))
