"""Router.explain()'s result: a dry-run pick's account of every deployment (llmr_router_explain).

Plain values copied out of the native explanation, which is freed before explain() returns."""

from __future__ import annotations

from ctypes import byref, c_char_p, c_size_t
from dataclasses import dataclass, field
from typing import List, Optional, Union

from . import _native
from .enums import BreakerState, Override, Status, Strategy, _coerce
from .errors import LlmrouteError


def _text(value: Optional[bytes]) -> str:
    return _native.text(value) or ""


@dataclass(frozen=True)
class ExplainCandidate:
    """What explain() saw of one deployment serving the model (llmr_explain_candidate)."""

    deployment: str
    tier: int
    state: Union[BreakerState, int]
    override_mode: Union[Override, int]
    cooldown_remaining_ms: int
    in_flight: int
    weight: int
    #: Limits (0 = unlimited) and their use over the sliding 60 s window.
    rpm_limit: int
    tpm_limit: int
    max_in_flight: int
    requests_in_window: int
    tokens_in_window: int
    #: EWMA latency in ms; None while there is no sample.
    ewma_latency_ms: Optional[float]
    failure_ratio: float
    #: The request's price; None when the deployment has no price.
    price: Optional[float]
    #: The strategy's measure (Explanation.score_kind; lower is preferred except for
    #: "weight_share"); NaN when filtered.
    score: float
    #: Place in the strategy's preference within its tier (0 first); -1 when filtered.
    rank: int
    #: Share of the traffic its tier receives now, 0..1.
    tier_share: float
    filtered: bool
    #: Why it was filtered ("breaker open", "at rpm_limit", ...); "" when not.
    reason: str
    #: Eligible only as a half-open probe.
    is_probe: bool
    picked: bool


@dataclass(frozen=True)
class Explanation:
    """A dry-run pick: every candidate and the one a pick would choose (llmr_explain_summary)."""

    #: The model after alias resolution.
    model: str
    strategy: Union[Strategy, int]
    score_kind: str
    #: What a pick would return now: Status.OK, NO_PROVIDER or RATE_LIMITED, with its message
    #: and retry_after_ms.
    status: Union[Status, int]
    message: str
    retry_after_ms: int
    #: The deployment a pick would choose; None when none (picked_index -1).
    picked: Optional[str]
    picked_index: int
    #: The panic policy's choice: every deployment is cooling down.
    is_panic: bool
    #: A pick may choose another eligible deployment (the strategy draws, spreads over near-ties
    #: or interleaves, or several tiers have a share); False for round robin, an affinity key or a
    #: single candidate.
    approximate: bool
    #: A deadline_ms was given and nothing fits it: ``picked`` is the fastest.
    deadline_unmet: bool = False
    candidates: List[ExplainCandidate] = field(default_factory=list)
    #: The same account as one JSON object (llmr_explanation_json), for a debug endpoint.
    json: str = ""


def _candidate(c: _native.llmr_explain_candidate) -> ExplainCandidate:
    return ExplainCandidate(
        deployment=_text(c.deployment), tier=c.tier, state=_coerce(BreakerState, c.state),
        override_mode=_coerce(Override, c.override_mode),
        cooldown_remaining_ms=c.cooldown_remaining_ms, in_flight=c.in_flight, weight=c.weight,
        rpm_limit=c.rpm_limit, tpm_limit=c.tpm_limit, max_in_flight=c.max_in_flight,
        requests_in_window=c.requests_in_window, tokens_in_window=c.tokens_in_window,
        ewma_latency_ms=None if c.ewma_latency_ms < 0 else c.ewma_latency_ms,
        failure_ratio=c.failure_ratio, price=None if c.price < 0 else c.price, score=c.score,
        rank=c.rank, tier_share=c.tier_share, filtered=bool(c.filtered), reason=_text(c.reason),
        is_probe=bool(c.is_probe), picked=bool(c.picked))


def read_explanation(handle) -> Explanation:
    """Copies a native llmr_explanation (the caller frees it)."""
    lib = _native.lib
    summary = _native.new_struct(_native.llmr_explain_summary)
    if lib.llmr_explanation_summary(handle, summary):
        raise LlmrouteError(Status.INTERNAL, "llmr_explanation_summary failed")
    candidates = []
    c = _native.new_struct(_native.llmr_explain_candidate)
    for i in range(lib.llmr_explanation_candidate_count(handle)):
        if lib.llmr_explanation_candidate(handle, i, c):
            raise LlmrouteError(Status.INTERNAL, "llmr_explanation_candidate failed")
        candidates.append(_candidate(c))
    text = c_char_p()
    length = c_size_t()
    if lib.llmr_explanation_json(handle, byref(text), byref(length)):
        raise LlmrouteError(Status.INTERNAL, "llmr_explanation_json failed")
    return Explanation(
        model=_text(summary.model), strategy=_coerce(Strategy, summary.strategy),
        score_kind=_text(summary.score_kind), status=_coerce(Status, summary.status),
        message=_text(summary.message), retry_after_ms=summary.retry_after_ms,
        picked=None if summary.picked is None else _text(summary.picked),
        picked_index=summary.picked_index, is_panic=bool(summary.is_panic),
        approximate=bool(summary.approximate), deadline_unmet=bool(summary.deadline_unmet),
        candidates=candidates,
        json=(text.value or b"").decode("utf-8"))
