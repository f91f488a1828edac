"""Memory sizes: how to print them, and whether an allocation fits.

Example:
    >>> from chapter05_helpers.memory import describe_bytes
    >>> describe_bytes(8 * 1000**3)
    '8.00 GB'
"""

from __future__ import annotations

import psutil


def describe_bytes(n: float) -> str:
    """``n`` bytes in the largest decimal unit that keeps the number at least 1.

    Example:
        >>> describe_bytes(64_000_000), describe_bytes(512)
        ('64.00 MB', '512 bytes')
    """
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.2f} {unit}"
    return f"{int(n)} bytes"


def fits_in_memory(nbytes: float, fraction: float = 0.5) -> bool:
    """Whether ``nbytes`` is at most ``fraction`` of the memory available right now.

    Example:
        >>> fits_in_memory(1), fits_in_memory(10**18)
        (True, False)
    """
    return nbytes <= fraction * psutil.virtual_memory().available
