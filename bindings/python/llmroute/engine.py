"""Inference engines: prompt prefix hashes for Strategy.ENGINE_AWARE (llmr_prefix_hashes)."""

from ctypes import byref, c_size_t, c_uint64
from typing import List, Union

from . import _native
from .enums import Status
from .errors import InvalidArgumentError, error_for

#: LLMR_PREFIX_HASHES_MAX: the most prefix hashes one pick may carry.
PREFIX_HASHES_MAX = 256


def prefix_hashes(text: Union[str, bytes], block_bytes: int,
                  cap: int = PREFIX_HASHES_MAX) -> List[int]:
    """The prefix block hashes of ``text`` (str is hashed as UTF-8) for ``Router.pick(...,
    prefix_hashes=...)``: the text cut into blocks of ``block_bytes`` bytes (whole blocks only),
    hash i chained over blocks 0..i with FNV-1a 64, the same values in every binding and every
    gateway instance (docs/engines.md). At most ``cap`` hashes, the prompt's first blocks.
    Raises InvalidArgumentError for a block size of 0 or above 1 MiB, or a negative cap."""
    data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    if not isinstance(block_bytes, int) or not 0 <= block_bytes <= 0xFFFFFFFF:
        raise InvalidArgumentError(Status.INVALID_ARGUMENT,
                                   "block_bytes must be an integer in 1..1048576")
    if not isinstance(cap, int) or cap < 0:
        raise InvalidArgumentError(Status.INVALID_ARGUMENT, "cap must be an integer >= 0")
    size = min(cap, len(data) // block_bytes) if block_bytes else 0
    out = (c_uint64 * max(size, 1))()
    count = c_size_t(0)
    status = _native.require("llmr_prefix_hashes")(data, len(data), block_bytes, out, size,
                                                   byref(count))
    if status:
        raise error_for(status, _native.lib.llmr_error_message().decode("utf-8", "replace"))
    return list(out[:count.value])
