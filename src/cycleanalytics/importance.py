"""Driver importance on a small per-case table: Johnson's relative weights, the Shapley
decomposition of R², their bootstrap intervals, and the penalty/reward (Kano-style) split.

Pure numpy on a complete-case matrix (rows = cases, columns = drivers) and an outcome vector;
the engine builds that table (:mod:`cycleanalytics.metrics.drivers`). Everything here works
on the correlation matrix of ``[X, y]``, so the R² is that of the ordinary least-squares
regression of ``y`` on ``X`` with an intercept (a linear probability model when ``y`` is a 0/1
flag).

- **Relative weights** (Johnson 2000, *Multivariate Behavioral Research* 35, 1-19): with the
  driver correlation matrix ``R = V Λ V'`` and ``Λ_xz = V Λ^½ V'`` (the correlations between
  the drivers and their closest orthogonal counterparts ``Z``), ``β = Λ_xz⁻¹ r_xy`` (the
  regression of ``y`` on ``Z``) and ``ε_j = Σ_k Λ_xz[j,k]² β_k²``. The weights sum to R².
- **Shapley values** of R² (Lindeman, Merenda and Gold 1980; Grömping 2007 "LMG"): each
  driver's R² gain averaged over all orders of entry, computed exactly over all ``2^p``
  subsets (``p <= MAX_SHAPLEY_DRIVERS``). The R² of a subset ``S`` is ``r_S' R_SS⁻¹ r_S``,
  solved for all subsets of one size at a time (batched). The values sum to R² and are >= 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from math import factorial

import numpy as np
from numpy.typing import ArrayLike

from cycleanalytics.errors import MetricError

MAX_SHAPLEY_DRIVERS = 15


def _as_matrix(x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or y.shape != (x.shape[0],):
        raise MetricError(
            f"drivers must be a cases x drivers matrix and the outcome a vector of "
            f"the same length, not {x.shape} and {y.shape}"
        )
    return x, y


def correlations(x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """The driver correlation matrix ``R`` and the driver-outcome correlations ``r``.

    A constant column (no variance) has correlation 0 with everything (and 1 with itself), so
    it gets no weight instead of poisoning the others with NaN.

    >>> R, r = correlations([[1, 2], [2, 1], [3, 4], [4, 3]], [1, 2, 4, 3])
    >>> round(float(r[0]), 3), round(float(R[0, 1]), 3)
    (0.8, 0.6)
    """
    x, y = _as_matrix(x, y)
    return _correlations(np.column_stack([x, y]))


def _correlations(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    centred = xy - xy.mean(axis=0)
    cov = centred.T @ centred
    return _split(cov)


def _split(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    ok = sd > 1e-12 * max(1.0, float(sd.max(initial=0.0)))
    scale = np.where(ok, sd, 1.0)
    corr = cov / np.outer(scale, scale)
    corr[~ok, :] = 0.0
    corr[:, ~ok] = 0.0
    np.fill_diagonal(corr, 1.0)
    corr = np.clip(corr, -1.0, 1.0)
    return corr[:-1, :-1], corr[:-1, -1]


def r_squared(R: np.ndarray, r: np.ndarray) -> float:
    """R² of the regression on all drivers, ``r' R⁻¹ r`` (least squares for a singular ``R``)."""
    if len(r) == 0:
        return 0.0
    beta = np.linalg.lstsq(R, r, rcond=None)[0]
    return float(np.clip(r @ beta, 0.0, 1.0))


def relative_weights(R: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Johnson's (2000) raw relative weights from the correlations; they sum to R².

    Examples
    --------
    Uncorrelated drivers: each weight is the squared correlation with the outcome.

    >>> w = relative_weights(np.eye(2), np.array([0.6, 0.3]))
    >>> [round(float(v), 2) for v in w]
    [0.36, 0.09]
    """
    R = np.asarray(R, dtype=float)
    r = np.asarray(r, dtype=float)
    values, vectors = np.linalg.eigh(R)
    values = np.clip(values, 0.0, None)
    root = np.sqrt(values)
    lam = (vectors * root) @ vectors.T  # R^(1/2): correlations of X with Z
    inv_root = np.where(root > 1e-10, 1.0 / np.where(root > 1e-10, root, 1.0), 0.0)
    beta = (vectors * inv_root) @ vectors.T @ r  # R^(-1/2) r: y regressed on Z
    return (lam**2) @ (beta**2)


@cache
def _levels(p: int) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]:
    """For each subset size k = 1..p: the subsets' bit masks, their members (N_k x k,
    ascending) and the position of each subset's parent (itself without its last member) in
    the level before."""
    masks = np.arange(1 << p, dtype=np.int64)
    bits = (masks[:, None] >> np.arange(p)) & 1
    sizes = bits.sum(axis=1)
    position = np.zeros(1 << p, dtype=np.int64)
    out = []
    for k in range(1, p + 1):
        chosen = masks[sizes == k]
        position[chosen] = np.arange(len(chosen))
        members = np.nonzero(bits[chosen])[1].reshape(len(chosen), k)
        parents = position[chosen ^ (1 << members[:, -1])] if k > 1 else np.zeros(0, np.int64)
        out.append((chosen, members, parents))
    return tuple(out)


@cache
def _shapley_weights(p: int) -> np.ndarray:
    """``|S|! (p - |S| - 1)! / p!`` for |S| = 0..p-1."""
    return np.array([factorial(s) * factorial(p - s - 1) / factorial(p) for s in range(p)])


def subset_r_squared(R: np.ndarray, r: np.ndarray) -> np.ndarray:
    """R² of every subset of the drivers, indexed by bit mask (bit j = driver j); R²(∅) = 0.

    Subsets are built one size at a time from their parent (the subset without its last
    driver) by bordering: with ``A⁻¹`` and ``β = A⁻¹ r_S`` of the parent, adding driver ``j``
    with correlations ``b`` to the parent's drivers gives ``s = 1 - b'A⁻¹b``,
    ``e = r_j - b'β`` and ``R²(S ∪ j) = R²(S) + e²/s``: all subsets of one size in a few
    array operations, no per-subset solve.

    >>> table = subset_r_squared(np.eye(2), np.array([0.6, 0.3]))
    >>> [round(float(v), 2) for v in table]
    [0.0, 0.36, 0.09, 0.45]
    """
    R = np.asarray(R, dtype=float)
    r = np.asarray(r, dtype=float)
    p = len(r)
    if p > MAX_SHAPLEY_DRIVERS:
        raise MetricError(
            f"exact Shapley values need 2^p regressions; {p} drivers is more than "
            f"{MAX_SHAPLEY_DRIVERS}: group aspects into stages (level='stage') or choose drivers"
        )
    out = np.zeros(1 << p)
    levels = _levels(p)
    masks, members, _ = levels[0]
    diag = np.maximum(np.diag(R)[members[:, 0]], _TINY)
    inv = (1.0 / diag)[:, None, None]
    beta = (r[members[:, 0]] / diag)[:, None]
    r2 = r[members[:, 0]] ** 2 / diag
    out[masks] = r2
    for k in range(2, p + 1):
        masks, members, parents = levels[k - 1]
        last = members[:, -1]
        p_inv, p_beta, p_r2 = inv[parents], beta[parents], r2[parents]
        b = R[members[:, :-1], last[:, None]]
        u = np.matmul(p_inv, b[:, :, None])[:, :, 0]
        s = np.maximum(R[last, last] - (b * u).sum(axis=1), _TINY)
        e = r[last] - (b * p_beta).sum(axis=1)
        r2 = p_r2 + e * e / s
        out[masks] = r2
        if k == p:
            break
        beta = np.concatenate([p_beta - u * (e / s)[:, None], (e / s)[:, None]], axis=1)
        inv = np.empty((len(masks), k, k))
        scaled = u / s[:, None]
        inv[:, :-1, :-1] = p_inv + u[:, :, None] * scaled[:, None, :]
        inv[:, :-1, -1] = -scaled
        inv[:, -1, :-1] = -scaled
        inv[:, -1, -1] = 1.0 / s
    return np.clip(out, 0.0, 1.0)


# Pivots below this are treated as this (perfectly collinear drivers): the gain they add is 0
# up to rounding, instead of a division by zero.
_TINY = 1e-12


def shapley_values(R: np.ndarray, r: np.ndarray) -> np.ndarray:
    """The Shapley decomposition of R² (LMG), exact over all subsets; sums to R².

    Examples
    --------
    Uncorrelated drivers: the Shapley value equals the squared correlation.

    >>> [round(float(v), 2) for v in shapley_values(np.eye(2), np.array([0.6, 0.3]))]
    [0.36, 0.09]
    """
    R = np.asarray(R, dtype=float)
    r = np.asarray(r, dtype=float)
    p = len(r)
    if p == 0:
        return np.zeros(0)
    table = subset_r_squared(R, r)
    members, entered, waiting = _shapley_design(p)
    # φ_j = Σ_{S ∋ j} w(|S|-1) R²(S) - Σ_{S ∌ j} w(|S|) R²(S): two matrix-vector products.
    return members.T @ (entered * table) - (1.0 - members).T @ (waiting * table)


@cache
def _shapley_design(p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The 0/1 membership matrix of all subsets (2^p x p) and, per subset S, the Shapley
    weight of S as a coalition a driver joins last (``w(|S|-1)``) and as one it joins
    (``w(|S|)``, 0 for the full set)."""
    masks = np.arange(1 << p, dtype=np.int64)
    members = ((masks[:, None] >> np.arange(p)) & 1).astype(float)
    sizes = _popcount(masks)
    weights = np.append(_shapley_weights(p), 0.0)
    entered = np.where(sizes > 0, weights[np.maximum(sizes - 1, 0)], 0.0)
    waiting = weights[sizes]
    return members, entered, waiting


def _popcount(masks: np.ndarray) -> np.ndarray:
    counts = np.zeros(len(masks), dtype=np.int64)
    m = masks.copy()
    while m.any():
        counts += m & 1
        m >>= 1
    return counts


# -- the whole analysis with bootstrap intervals ----------------------------------------------


@dataclass(frozen=True)
class Importance:
    """Point estimates and percentile-bootstrap intervals of one driver analysis (``shares``:
    each relative weight as a share of R², resample by resample)."""

    n: int
    r2: float
    r2_lo: float
    r2_hi: float
    weights: np.ndarray
    weights_lo: np.ndarray
    weights_hi: np.ndarray
    shapley: np.ndarray
    shapley_lo: np.ndarray
    shapley_hi: np.ndarray
    shares_lo: np.ndarray
    shares_hi: np.ndarray
    resamples: int
    shapley_resamples: int


def driver_importance(
    x: ArrayLike,
    y: ArrayLike,
    *,
    resamples: int = 200,
    shapley_resamples: int | None = None,
    confidence: float = 0.95,
    seed: int = 0,
) -> Importance:
    """Relative weights and Shapley values with percentile-bootstrap intervals, and R².

    Each resample draws the cases with replacement (``seed`` fixes the draws) and recomputes
    the correlations, hence R², the weights and (for the first ``shapley_resamples``
    resamples, default all) the Shapley values. Resampling works on counts: the sums of
    products of the columns are ``X' diag(w) X`` for the multinomial counts ``w``.

    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=(200, 3)); y = x @ [1.0, 0.5, 0.0] + rng.normal(size=200)
    >>> imp = driver_importance(x, y, resamples=50)
    >>> bool(abs(imp.weights.sum() - imp.r2) < 1e-9 and abs(imp.shapley.sum() - imp.r2) < 1e-9)
    True
    """
    x, y = _as_matrix(x, y)
    n, p = x.shape
    if shapley_resamples is None:
        shapley_resamples = resamples
    shapley_resamples = min(shapley_resamples, resamples)
    xy = np.column_stack([x, y])
    R, r = _correlations(xy)
    r2 = r_squared(R, r)
    weights = relative_weights(R, r)
    shapley = shapley_values(R, r) if p <= MAX_SHAPLEY_DRIVERS else np.full(p, np.nan)
    nan_p = np.full(p, np.nan)
    if resamples <= 0 or n < 3:
        return Importance(n, r2, np.nan, np.nan, weights, nan_p, nan_p, shapley, nan_p, nan_p,
                          nan_p, nan_p, 0, 0)  # fmt: skip
    with _one_blas_thread():
        return _bootstrap(
            xy, n, p, r2, weights, shapley, resamples, shapley_resamples, confidence, seed
        )


def _one_blas_thread():  # type: ignore[no-untyped-def]
    """Small matrix work runs fastest on one BLAS thread: on a busy machine OpenBLAS's
    threads spin and wait (three times the CPU at a load of 6 on 2 cores). Uses threadpoolctl
    when it is installed; otherwise leaves the thread pools alone."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - an optional speed-up
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def _bootstrap(
    xy: np.ndarray,
    n: int,
    p: int,
    r2: float,
    weights: np.ndarray,
    shapley: np.ndarray,
    resamples: int,
    shapley_resamples: int,
    confidence: float,
    seed: int,
) -> Importance:
    nan_p = np.full(p, np.nan)
    rng = np.random.default_rng(seed)
    boot_r2 = np.empty(resamples)
    boot_w = np.empty((resamples, p))
    boot_s = np.full((shapley_resamples, p), np.nan)
    for b, cov in enumerate(_resampled_covariances(xy, resamples, rng)):
        Rb, rb = _split(cov)
        boot_r2[b] = r_squared(Rb, rb)
        boot_w[b] = relative_weights(Rb, rb)
        if b < shapley_resamples and p <= MAX_SHAPLEY_DRIVERS:
            boot_s[b] = shapley_values(Rb, rb)
    tail = (1 - confidence) / 2 * 100
    q = (tail, 100 - tail)
    r2_lo, r2_hi = np.percentile(boot_r2, q)
    w_lo, w_hi = np.percentile(boot_w, q, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = boot_w / boot_r2[:, None]
    sh_lo, sh_hi = (
        np.nanpercentile(shares, q, axis=0) if np.isfinite(shares).any() else (nan_p,) * 2
    )
    if shapley_resamples and p <= MAX_SHAPLEY_DRIVERS:
        s_lo, s_hi = np.percentile(boot_s, q, axis=0)
    else:
        s_lo = s_hi = nan_p
    return Importance(
        n, r2, float(r2_lo), float(r2_hi), weights, w_lo, w_hi, shapley, s_lo, s_hi, sh_lo, sh_hi,
        resamples, shapley_resamples if p <= MAX_SHAPLEY_DRIVERS else 0,
    )  # fmt: skip


# Above this many cells the products of column pairs are not held in memory (see below).
_PRODUCTS_MAX_CELLS = 40_000_000


def _resampled_covariances(xy: np.ndarray, resamples: int, rng: np.random.Generator):
    """The (unnormalised) covariance matrix of ``xy`` in each bootstrap resample.

    A resample is a vector of counts ``w`` (how often each row was drawn), and its
    covariance is ``Σ_i w_i c_i c_i' - n m m'`` on the centred rows ``c_i`` with the
    resample's mean ``m``. With the products of every pair of columns of ``c`` precomputed
    (``n x q(q+1)/2``), a chunk of resamples is one matrix product ``W @ P``: one large,
    well-threaded operation instead of a small one per resample, which matters on a busy
    machine (a per-resample product was three times slower at a load of 6 on 2 cores).
    """
    n, q = xy.shape
    centred = xy - xy.mean(axis=0)
    upper = np.triu_indices(q)
    pairs = len(upper[0])
    chunk = max(1, min(resamples, 50, _PRODUCTS_MAX_CELLS // max(n * 4, 1)))
    products = (
        centred[:, upper[0]] * centred[:, upper[1]] if n * pairs <= _PRODUCTS_MAX_CELLS else None
    )
    done = 0
    while done < resamples:
        size = min(chunk, resamples - done)
        counts = np.stack(
            [np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(size)]
        ).astype(float)
        means = counts @ centred / n
        if products is not None:
            sums = counts @ products
        for i in range(size):
            if products is not None:
                cov = np.empty((q, q))
                cov[upper] = sums[i]
                cov.T[upper] = sums[i]
            else:
                cov = (centred * counts[i][:, None]).T @ centred
            yield cov - n * np.outer(means[i], means[i])
        done += size


# -- penalty / reward ------------------------------------------------------------------------


@dataclass(frozen=True)
class PenaltyReward:
    """Per driver: the outcome's shift when the rating is low (penalty, usually negative) or
    high (reward) rather than in the middle, their standard errors, and the class."""

    penalty: np.ndarray
    penalty_se: np.ndarray
    reward: np.ndarray
    reward_se: np.ndarray
    low_n: np.ndarray
    high_n: np.ndarray
    kind: list[str]


def classify(penalty: float, reward: float, penalty_se: float, reward_se: float) -> str:
    """``dissatisfier`` (hurts when low, little reward when high), ``delighter`` (rewards when
    high, little penalty when low), ``hybrid`` (both), or ``weak`` (neither effect clearly in
    its expected direction: penalty < 0, reward > 0, each at least twice its standard error).

    The split is by the share of the reward in the two effects' sizes: below 1/3 a
    dissatisfier, above 2/3 a delighter, between them a hybrid.

    >>> classify(-0.30, 0.05, 0.02, 0.02), classify(-0.02, 0.25, 0.02, 0.02)
    ('dissatisfier', 'delighter')
    >>> classify(-0.2, 0.2, 0.02, 0.02), classify(-0.01, 0.01, 0.02, 0.02)
    ('hybrid', 'weak')
    """
    pen = max(-penalty, 0.0) if np.isfinite(penalty) else 0.0
    rew = max(reward, 0.0) if np.isfinite(reward) else 0.0
    pen_clear = np.isfinite(penalty_se) and pen >= 2 * penalty_se and pen > 0
    rew_clear = np.isfinite(reward_se) and rew >= 2 * reward_se and rew > 0
    if not (pen_clear or rew_clear):
        return "weak"
    share = rew / (pen + rew)
    if share < 1 / 3:
        return "dissatisfier"
    if share > 2 / 3:
        return "delighter"
    return "hybrid"


def penalty_reward(x: ArrayLike, y: ArrayLike, *, low: float = 2, high: float = 5) -> PenaltyReward:
    """Dummy-code each driver low (``<= low``) and high (``>= high``) against the middle and
    regress the outcome on all the dummies at once (OLS with an intercept).

    The penalty is the coefficient of "low", the reward that of "high"; standard errors are
    the classical OLS ones. A driver without low (or high) answers gets NaN for that effect.

    >>> x = np.array([[1], [1], [3], [3], [5], [5]]); y = np.array([0, 0, 5, 5, 6, 6])
    >>> pr = penalty_reward(x, y)
    >>> round(float(pr.penalty[0]), 6), round(float(pr.reward[0]), 6), pr.kind
    (-5.0, 1.0, ['dissatisfier'])
    """
    x, y = _as_matrix(x, y)
    n, p = x.shape
    lows = (x <= low).astype(float)
    highs = (x >= high).astype(float)
    columns = [np.ones(n)]
    where: list[tuple[int, int]] = []  # (driver, 0 low / 1 high) of each design column
    for j in range(p):
        for kind, dummy in ((0, lows[:, j]), (1, highs[:, j])):
            if 0 < dummy.sum() < n:
                columns.append(dummy)
                where.append((j, kind))
    design = np.column_stack(columns)
    # The normal equations on the small cross-product matrix (a pseudo-inverse for dummies
    # that are collinear): the same least squares as a QR of the n-row design, far cheaper.
    gram = design.T @ design
    inverse = np.linalg.pinv(gram, hermitian=True)
    coef = inverse @ (design.T @ y)
    resid = y - design @ coef
    values = np.linalg.eigvalsh(gram)
    dof = n - int((values > values.max() * len(values) * np.finfo(float).eps).sum())
    sigma2 = float(resid @ resid) / dof if dof > 0 else np.nan
    se = np.sqrt(np.clip(np.diag(sigma2 * inverse), 0, None))
    effect = np.full((p, 2), np.nan)
    effect_se = np.full((p, 2), np.nan)
    for col, (j, kind) in enumerate(where, start=1):
        effect[j, kind] = coef[col]
        effect_se[j, kind] = se[col]
    kinds = [classify(*effect[j], *effect_se[j]) for j in range(p)]
    return PenaltyReward(
        effect[:, 0], effect_se[:, 0], effect[:, 1], effect_se[:, 1],
        lows.sum(axis=0).astype(int), highs.sum(axis=0).astype(int), kinds,
    )  # fmt: skip
