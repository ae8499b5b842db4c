"""Intervals and tests on small aggregates. The engine counts; this module only does arithmetic
on the counts it returns, so every metric's statistics are the same on DuckDB and on Spark."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats


def wilson_interval(
    successes: ArrayLike, n: ArrayLike, *, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion, elementwise.

    Returns ``(lo, hi)``; both are NaN where ``n`` is 0. The interval always contains the
    estimate ``successes / n`` and stays within [0, 1].

    Examples
    --------
    Wilson (1927) / Newcombe (1998), method 3: 81 successes out of 263, 95%:

    >>> lo, hi = wilson_interval(81, 263)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.2553, 0.3662)
    """
    x = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    if np.any(x < 0) or np.any(x > n):
        raise ValueError("successes must lie between 0 and n")
    z = stats.norm.ppf(0.5 + confidence / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        lo = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
        hi = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    # Guard against rounding putting the estimate a hair outside its interval.
    lo = np.where(n > 0, np.minimum(lo, p), np.nan)
    hi = np.where(n > 0, np.maximum(hi, p), np.nan)
    return lo, hi


def safe_ratio(numerator: ArrayLike, denominator: ArrayLike) -> np.ndarray:
    """``numerator / denominator``, NaN (not an error or infinity) where the denominator is 0."""
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / den, np.nan)
