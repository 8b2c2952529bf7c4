"""llmroute: Python binding of libllmroute, a provider router for LLM API gateways.

A pure-Python ctypes binding: it loads the C library by its SONAME, ``libllmroute.so.1`` (or the
full path in the environment variable ``LLMROUTE_LIBRARY``), and needs no compiler.

    import llmroute

    with llmroute.Router(strategy="latency") as router:
        router.add_deployment("azure-eu", ["gpt-4o*"], weight=2)
        router.add_deployment("openai", ["*"])
        pick = router.pick("gpt-4o")
        ...  # make the HTTP call to pick.deployment
        router.report(pick, llmroute.Outcome.SUCCESS, latency_ms=812.0)

    router = llmroute.Router.from_config_file("/etc/gateway/llmroute.json")
    router.set_event_listener(lambda event: print(event))
    router.apply_config_file("/etc/gateway/llmroute.json")   # hot reload; ConfigError if rejected
    print(router.stats().deployment("azure-eu").picks, router.metrics_text())
"""

# No "from __future__ import annotations" and no typing names here: whatever this module
# imports is an attribute of the package, and the package's namespace is its API (__all__).
import typing as _typing

from . import _native
from ._native import lib as _lib
from .enums import (AllOpenPolicy, BreakerState, EventKind, FallbackKind, Outcome, Override,
                    Status, Strategy)
from .errors import (
    AlreadyExistsError,
    BufferTooSmallError,
    CallbackReentryError,
    CancelledError,
    CapacityError,
    ClosedError,
    ConfigError,
    StreamStalledError,
    DeadlineExceededError,
    InternalError,
    InvalidArgumentError,
    InvalidTicketError,
    LlmrouteError,
    NoMemoryError,
    NoProviderError,
    NotFoundError,
    RateLimitedError,
    RetryAfterError,
    TicketDoneError,
    UnknownModelError,
    UpstreamError,
)
from ._native import MissingFunctionError
from .config import validate_config
from .events import Event
from .features import KNOWN_FEATURES, feature_enabled
from .execution import Attempt, AttemptInfo, AttemptResult, CallReport, Cancel
from .explain import ExplainCandidate, Explanation
from .engine import PREFIX_HASHES_MAX, prefix_hashes
from .router import Candidate, Health, Pick, Router
from .stats import DeploymentStats, ModelStats, SharedStateStatus, Stats

__all__ = [
    "Router", "Pick", "Candidate", "Health", "Explanation", "ExplainCandidate",
    "Attempt", "AttemptResult", "AttemptInfo", "CallReport", "Cancel",
    "Event", "Stats", "DeploymentStats", "ModelStats", "SharedStateStatus", "validate_config",
    "Status", "Strategy", "Outcome", "BreakerState", "Override", "AllOpenPolicy", "FallbackKind",
    "EventKind",
    "LlmrouteError", "InvalidArgumentError", "ClosedError", "NoMemoryError", "NotFoundError",
    "AlreadyExistsError", "RetryAfterError", "NoProviderError", "RateLimitedError",
    "UnknownModelError", "InvalidTicketError", "TicketDoneError", "CapacityError",
    "InternalError", "BufferTooSmallError", "DeadlineExceededError", "CancelledError",
    "UpstreamError", "ConfigError", "StreamStalledError", "CallbackReentryError", "MissingFunctionError",
    "library_version", "library_version_string", "library_path", "status_str",
    "strategy_str", "outcome_str", "breaker_state_str", "fallback_kind_str", "event_kind_str",
    "NAME_MAX", "LIST_MAX", "EXPECTED_MAJOR", "feature_enabled", "KNOWN_FEATURES",
    "prefix_hashes", "PREFIX_HASHES_MAX",
]

#: The binding's own version; it speaks the C API of libllmroute 1.x.
__version__ = "1.0.0"
#: The library major version this binding loads (the SONAME's number).
EXPECTED_MAJOR = _native.EXPECTED_MAJOR
#: LLMR_NAME_MAX and LLMR_LIST_MAX of the header.
NAME_MAX = 256
LIST_MAX = 1024

#: Path or SONAME the library was loaded from.
library_path: str = _native.library_path


def library_version() -> int:
    """llmr_version(): major*1000000 + minor*1000 + patch of the loaded library. The import
    already refused a library whose major version is not EXPECTED_MAJOR."""
    return _lib.llmr_version()


def library_version_string() -> str:
    """llmr_version_string(), for example "1.0.0"."""
    return _lib.llmr_version_string().decode("utf-8", "replace")


def status_str(status: int) -> str:
    """llmr_status_str(): "LLMR_ERR_NO_PROVIDER" etc.; "LLMR_ERR_UNRECOGNISED" for unknown."""
    return _lib.llmr_status_str(int(status)).decode("utf-8", "replace")


def _static_str(value: _typing.Optional[bytes]) -> _typing.Optional[str]:
    return None if value is None else value.decode("utf-8", "replace")


def strategy_str(strategy: int) -> _typing.Optional[str]:
    """llmr_strategy_str(): "round_robin" etc.; None for a value that does not exist."""
    return _static_str(_lib.llmr_strategy_str(int(strategy)))


def outcome_str(outcome: int) -> _typing.Optional[str]:
    """llmr_outcome_str(): "rate_limited" etc.; None for a value that does not exist."""
    return _static_str(_lib.llmr_outcome_str(int(outcome)))


def breaker_state_str(state: int) -> _typing.Optional[str]:
    """llmr_breaker_state_str(): "half_open" etc.; None for a value that does not exist."""
    return _static_str(_lib.llmr_breaker_state_str(int(state)))


def fallback_kind_str(kind: int) -> _typing.Optional[str]:
    """llmr_fallback_kind_str(): "general" etc.; None for a value that does not exist."""
    return _static_str(_native.require("llmr_fallback_kind_str")(int(kind)))


def event_kind_str(kind: int) -> _typing.Optional[str]:
    """llmr_event_kind_str(): "breaker", "config_applied", "config_rejected",
    "quota_exhausted"; None for a value that does not exist."""
    return _static_str(_native.require("llmr_event_kind_str")(int(kind)))
