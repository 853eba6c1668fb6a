//! The corpus's randomness, written out by hand: a SplitMix64 stream per item and the
//! few distributions the corpus draws from (uniform, weighted choice, Zipf, normal,
//! log-normal).
//!
//! Only integer arithmetic and IEEE 754's correctly rounded operations (+, −, ×, ÷,
//! sqrt) are used, never the platform's `exp`, `ln` or `powf`, so the same seed gives
//! the same corpus on every machine and with every version of every crate.

/// SplitMix64 (Steele, Lea and Flood, 2014): tiny, fast and statistically good enough
/// for test data; every item gets its own stream so item `i` never depends on the
/// items generated before it.
#[derive(Debug, Clone)]
pub(crate) struct Stream {
    state: u64,
}

const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function, also used to mix the stream's key.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Stream {
    /// The stream for item `index` of the kind named by `tag` under `seed`. Mixing
    /// each part in turn keeps (seed, tag, index) triples apart even when their sums
    /// or XORs would collide.
    pub(crate) fn new(seed: u64, tag: u64, index: u64) -> Stream {
        let key = mix(mix(mix(seed ^ GOLDEN_GAMMA) ^ tag) ^ index.wrapping_mul(GOLDEN_GAMMA));
        Stream { state: key }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix(self.state)
    }

    /// Uniform in [0, 1) with 53 bits of precision.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [0, bound); `bound` 0 gives 0. Multiply-shift (Lemire) without the
    /// rejection step: its bias is below 2⁻³² for the small bounds used here.
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        ((self.next_u64() as u128 * bound as u128) >> 64) as u64
    }

    /// Uniform in [low, high] (inclusive).
    pub(crate) fn between(&mut self, low: i64, high: i64) -> i64 {
        let span = (high - low) as u64 + 1;
        low + self.below(span) as i64
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One element, uniformly.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        // `below(len)` is < len for a non-empty slice; an empty one is a bug in the
        // corpus's own tables, caught by its tests.
        &items[self.below(items.len() as u64) as usize]
    }

    /// An index drawn with the given weights (which need not sum to one).
    pub(crate) fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut target = self.unit() * total;
        for (index, weight) in weights.iter().enumerate() {
            if target < *weight {
                return index;
            }
            target -= weight;
        }
        weights.len().saturating_sub(1)
    }

    /// Standard normal, by the Irwin–Hall sum of twelve uniforms: no `ln` or `cos`,
    /// and tails cut at ±6, which suits prices and sizes.
    pub(crate) fn normal(&mut self) -> f64 {
        (0..12).map(|_| self.unit()).sum::<f64>() - 6.0
    }

    /// Log-normal with the given median and σ of the logarithm.
    pub(crate) fn log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        median * exp(sigma * self.normal())
    }

    /// `count` distinct indices below `bound` (fewer if `bound` is smaller), each drawn
    /// from `draw`; gives up after a bounded number of tries so it always ends.
    pub(crate) fn distinct(
        &mut self,
        count: usize,
        bound: usize,
        mut draw: impl FnMut(&mut Stream) -> usize,
    ) -> Vec<usize> {
        let wanted = count.min(bound);
        let mut chosen = Vec::with_capacity(wanted);
        for _ in 0..wanted * 20 {
            if chosen.len() == wanted {
                break;
            }
            let index = draw(self);
            if !chosen.contains(&index) {
                chosen.push(index);
            }
        }
        chosen
    }
}

/// eˣ from basic operations: x = k·ln 2 + r with |r| ≤ ln 2 / 2, a Taylor series for eʳ
/// (converged to the last bit after 18 terms), then exact doublings or halvings.
pub(crate) fn exp(x: f64) -> f64 {
    const LN_2: f64 = std::f64::consts::LN_2;
    let x = x.clamp(-700.0, 700.0);
    let k = (x / LN_2 + if x < 0.0 { -0.5 } else { 0.5 }) as i64;
    let r = x - k as f64 * LN_2;
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 1..=18 {
        term = term * r / n as f64;
        sum += term;
    }
    let factor = if k >= 0 { 2.0 } else { 0.5 };
    (0..k.unsigned_abs()).fold(sum, |value, _| value * factor)
}

/// Zipf's law over ranks 0..n: rank r is drawn with weight 1 / (r + 1)ˢ, for the
/// exponents s = 1 (how often people search a topic) and s = ½ (how often
/// organisations offer one — flatter, since supply is spread wider than demand).
#[derive(Debug, Clone)]
pub(crate) struct Zipf {
    cumulative: Vec<f64>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum ZipfExponent {
    One,
    Half,
}

impl Zipf {
    pub(crate) fn new(n: usize, exponent: ZipfExponent) -> Zipf {
        let mut total = 0.0;
        let cumulative = (1..=n)
            .map(|rank| {
                let rank = rank as f64;
                total += match exponent {
                    ZipfExponent::One => 1.0 / rank,
                    ZipfExponent::Half => 1.0 / rank.sqrt(),
                };
                total
            })
            .collect();
        Zipf { cumulative }
    }

    /// A rank in 0..n, 0 the most frequent.
    pub(crate) fn sample(&self, stream: &mut Stream) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let target = stream.unit() * total;
        self.cumulative
            .partition_point(|c| *c <= target)
            .min(self.cumulative.len().saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_depend_on_seed_tag_and_index() {
        let first = |seed, tag, index| Stream::new(seed, tag, index).next_u64();
        assert_ne!(first(1, 1, 1), first(2, 1, 1));
        assert_ne!(first(1, 1, 1), first(1, 2, 1));
        assert_ne!(first(1, 1, 1), first(1, 1, 2));
        assert_eq!(first(7, 3, 9), first(7, 3, 9));
    }

    #[test]
    fn hand_written_exp_agrees_with_the_platform() {
        for x in [-5.0, -1.0, -0.3, 0.0, 0.5, 1.0, 2.7, 10.0] {
            let relative = (exp(x) - f64::exp(x)).abs() / f64::exp(x);
            assert!(relative < 1e-14, "exp({x}) is off by {relative}");
        }
    }

    #[test]
    fn zipf_favours_low_ranks_in_proportion() {
        let zipf = Zipf::new(100, ZipfExponent::One);
        let mut stream = Stream::new(1, 1, 1);
        let mut counts = [0u32; 100];
        for _ in 0..100_000 {
            counts[zipf.sample(&mut stream)] += 1;
        }
        // Rank 1 should be drawn about twice as often as rank 2, ten times as often as rank 10.
        let ratio = f64::from(counts[0]) / f64::from(counts[1]);
        assert!((1.8..2.2).contains(&ratio), "rank 1 / rank 2 = {ratio}");
        let ratio = f64::from(counts[0]) / f64::from(counts[9]);
        assert!((8.0..12.5).contains(&ratio), "rank 1 / rank 10 = {ratio}");
    }

    #[test]
    fn log_normal_has_the_asked_median() {
        let mut stream = Stream::new(3, 3, 3);
        let mut values: Vec<f64> = (0..20_001).map(|_| stream.log_normal(100.0, 0.8)).collect();
        values.sort_by(f64::total_cmp);
        let median = values[10_000];
        assert!((93.0..107.0).contains(&median), "median {median}");
    }
}
