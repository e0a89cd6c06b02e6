"""An independent reference for steval's cluster bootstrap (scorers/stats.c).

Python standard library only. It redoes the same resample draws (the same
generator, seeding and bounded draw as lib/rng.c and stats.c), then
computes every statistic the slow, obvious way: per resample, per item,
with the aggregation rule applied directly. Tests compare steval's numbers
with these to 1e-9.
"""
import math

M64 = (1 << 64) - 1
STRIDE = 0x9E3779B97F4A7C15


def _splitmix(state):
    state = (state + 0x9E3779B97F4A7C15) & M64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return state, z ^ (z >> 31)


def _rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M64


class Rng:
    """xoshiro256** seeded through splitmix64 (lib/rng.c)."""

    def __init__(self, seed):
        st = seed & M64
        self.s = []
        for _ in range(4):
            st, v = _splitmix(st)
            self.s.append(v)

    def next(self):
        s = self.s
        result = (_rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = _rotl(s[3], 45)
        return result

    def below32(self, n):
        """Lemire's multiply-shift with rejection on the top 32 bits."""
        m = (self.next() >> 32) * n
        low = m & 0xFFFFFFFF
        if low < n:
            t = ((1 << 32) - n) % n
            while low < t:
                m = (self.next() >> 32) * n
                low = m & 0xFFFFFFFF
        return m >> 32


def resample_weights(nclusters, resamples, seed):
    """Yield, per resample, how many times each cluster was drawn."""
    for r in range(resamples):
        rng = Rng((seed + r * STRIDE) & M64)
        w = [0] * nclusters
        for _ in range(nclusters):
            w[rng.below32(nclusters)] += 1
        yield w


def quantile(sorted_x, p):
    """numpy's default (linear) percentile."""
    n = len(sorted_x)
    if n == 0:
        return float("nan")
    h = (n - 1) * p
    j = math.floor(h)
    if j + 1 >= n:
        return sorted_x[-1]
    return sorted_x[j] + (h - j) * (sorted_x[j + 1] - sorted_x[j])


def interval(reps, level):
    xs = sorted(x for x in reps if x == x)
    if not xs:
        return None, None, None
    a = 1 - level
    mean = sum(xs) / len(xs)
    se = math.sqrt(sum((x - mean) ** 2 for x in xs) / (len(xs) - 1)) if len(xs) > 1 else None
    return quantile(xs, a / 2), quantile(xs, 1 - a / 2), se


def cluster_ids(keys):
    """Cluster index per item in order of first appearance; None or '' is
    a cluster of its own."""
    ids, seen = [], {}
    n = 0
    for k in keys:
        if not k:
            ids.append(n)
            n += 1
        elif k in seen:
            ids.append(seen[k])
        else:
            seen[k] = n
            ids.append(n)
            n += 1
    return ids, n


def mean_or_nan(xs):
    xs = [x for x in xs if x == x]
    return sum(xs) / len(xs) if xs else float("nan")


def statistics(items, weights, layout, scale):
    """Every group's value for one set of item weights.

    items: dicts with 'cluster', 'category', 'splits' (set), 'value'
    (None when not scored). layout: {'leaves': [...], 'merged':
    {name: [members]}, 'overall': 'item-mean'|'category-mean',
    'over_leaves': bool, 'top': [names averaged by a category-mean],
    'splits': [...]}
    """
    def item_mean(pred):
        s = n = 0.0
        for it in items:
            if it["value"] is None or not pred(it):
                continue
            w = weights[it["cluster"]]
            s += w * it["value"]
            n += w
        return s / n * scale if n > 0 else float("nan")

    out = {}
    for c in layout["leaves"]:
        out[("category", c)] = item_mean(lambda it, c=c: it["category"] == c)
    for c, mem in layout["merged"].items():
        out[("category", c)] = mean_or_nan([out.get(("category", m), float("nan")) for m in mem])
    if layout["overall"] == "category-mean":
        out[("overall", "overall")] = mean_or_nan([out[("category", c)] for c in layout["top"]])
    else:
        out[("overall", "overall")] = item_mean(lambda it: True)
    for s in layout["splits"]:
        out[("split", s)] = item_mean(lambda it, s=s: s in it["splits"])
    return out


def bootstrap(items, nclusters, layout, scale, resamples, seed, level):
    """{group: (lo, hi, se)} for one value per item."""
    reps = {}
    for w in resample_weights(nclusters, resamples, seed):
        for k, v in statistics(items, w, layout, scale).items():
            reps.setdefault(k, []).append(v)
    return {k: interval(v, level) for k, v in reps.items()}


def paired(items_a, items_b, nclusters, layout, scale, resamples, seed, level):
    """{group: (lo, hi, se)} of statistic(b) - statistic(a), same draws."""
    reps = {}
    for w in resample_weights(nclusters, resamples, seed):
        a = statistics(items_a, w, layout, scale)
        b = statistics(items_b, w, layout, scale)
        for k in a:
            reps.setdefault(k, []).append(b[k] - a[k])
    return {k: interval(v, level) for k, v in reps.items()}


def binom_cdf_half(k, n):
    return sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n


def mcnemar(b, c):
    n = b + c
    if n == 0:
        return 1.0
    if n < 25:
        return min(1.0, 2 * binom_cdf_half(min(b, c), n))
    d = abs(b - c) - 1
    chi = d * d / n if d > 0 else 0.0
    return min(1.0, math.erfc(math.sqrt(chi / 2)))
