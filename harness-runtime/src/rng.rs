//! Deterministic randomness, on the ground floor: the tripwire names and the differential
//! inputs draw from [`Fresh`], the meta loop's seeds from [`splitmix64`].

/// splitmix64's output function applied to `x` (a bijection on u64).
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A small deterministic generator seeded per episode (splitmix64).
#[derive(Debug, Clone)]
pub struct Fresh(u64);

impl Fresh {
    /// Seeded from `seed`.
    pub fn new(seed: u64) -> Fresh {
        Fresh(seed)
    }

    /// A seed nobody outside the harness can predict.
    pub fn unpredictable() -> Fresh {
        use std::hash::{BuildHasher, Hasher};
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_nanos()),
        );
        hasher.write_u32(std::process::id());
        Fresh(hasher.finish())
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.next()
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        splitmix64(self.0)
    }

    /// A number in `0..bound` (0 when `bound` is 0).
    pub fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_its_published_first_output() {
        assert_eq!(splitmix64(0), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn a_seeded_generator_repeats_and_stays_below_its_bound() {
        let draws = |seed| {
            let mut fresh = Fresh::new(seed);
            (0..32).map(|_| fresh.below(7)).collect::<Vec<_>>()
        };
        assert_eq!(draws(3), draws(3));
        assert_ne!(draws(3), draws(4));
        assert!(draws(5).iter().all(|draw| *draw < 7));
        assert_eq!(Fresh::new(1).below(0), 0);
    }
}
