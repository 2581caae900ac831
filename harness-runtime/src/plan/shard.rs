//! `--shard I/N` (and `HARNESS_SHARD` for the `cargo test` runner): one of N machines' share
//! of the cases, the same on every machine and every run.
//!
//! The cases are ranked by a stable hash of their names (64-bit FNV-1a of the UTF-8 bytes,
//! ties broken by the name), and the case ranked `k` (from 0) belongs to shard `k % N + 1`.
//! So the shards differ in size by at most one case, and a fixture's cases (`::noop`,
//! `::oracle`, ...) spread over the shards rather than landing together. Which shard a case
//! lands in depends on the whole set of cases: every shard must be run on the same fixtures
//! with the same `--fixture`, `--agent` and `--repeat`, as nextest's `count:I/N` partitions
//! must be run on the same tests. Rust's `DefaultHasher` is not used: it is seeded per
//! process.

use std::fmt;
use std::str::FromStr;

/// Shard `index` of `count`, 1-based like nextest's `count:I/N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: u32,
    count: u32,
}

/// Why a shard could not be read from `I/N`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    /// Not two numbers around a `/`.
    #[error("failed to read shard `{0}`: expected I/N, two whole numbers such as 2/3")]
    Syntax(String),
    /// No shards at all.
    #[error("failed to read shard `{0}`: N must be at least 1")]
    NoShards(String),
    /// An index outside 1..=N.
    #[error(
        "failed to read shard `{given}`: I must be between 1 and {count} (shards count from 1)"
    )]
    OutOfRange {
        /// What was given.
        given: String,
        /// N.
        count: u32,
    },
}

impl Shard {
    /// Shard `index` of `count` (1-based).
    pub fn new(index: u32, count: u32) -> Result<Shard, ShardError> {
        format!("{index}/{count}").parse()
    }

    /// I, from 1.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// N.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// The items of this shard, in their given order; `name` gives each one's case name.
    pub fn select<T>(&self, items: Vec<T>, name: impl Fn(&T) -> &str) -> Vec<T> {
        let mut ranked: Vec<(u64, &str, usize)> = items
            .iter()
            .enumerate()
            .map(|(position, item)| (fnv1a(name(item).as_bytes()), name(item), position))
            .collect();
        ranked.sort_unstable();
        let mut mine = vec![false; items.len()];
        let (count, index) = (self.count as usize, self.index as usize - 1);
        for (rank, (_, _, position)) in ranked.into_iter().enumerate() {
            mine[position] = rank % count == index;
        }
        items
            .into_iter()
            .zip(mine)
            .filter_map(|(item, mine)| mine.then_some(item))
            .collect()
    }
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(text: &str) -> Result<Shard, ShardError> {
        let given = text.to_owned();
        let (index, count) = text
            .trim()
            .split_once('/')
            .and_then(|(index, count)| Some((index.parse::<u32>().ok()?, count.parse().ok()?)))
            .ok_or_else(|| ShardError::Syntax(given.clone()))?;
        if count == 0 {
            return Err(ShardError::NoShards(given));
        }
        if index == 0 || index > count {
            return Err(ShardError::OutOfRange { given, count });
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// 64-bit FNV-1a: the same value for the same bytes on every machine, build and run.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(PRIME)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(count: usize) -> Vec<String> {
        (0..count)
            .flat_map(|i| ["noop", "oracle"].map(|agent| format!("fixture-{i}::{agent}")))
            .collect()
    }

    #[test]
    fn fnv1a_is_the_published_function() {
        // The FNV reference values (draft-eastlake-fnv): empty, "a", "foobar".
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn every_case_lands_in_exactly_one_shard_and_the_shards_differ_by_at_most_one() {
        for (cases, count) in [(0, 3), (1, 3), (5, 1), (17, 3), (40, 7), (3, 5)] {
            let all = names(cases);
            let shards: Vec<Vec<String>> = (1..=count)
                .map(|index| Shard::new(index, count).unwrap().select(all.clone(), |n| n))
                .collect();
            let mut union: Vec<String> = shards.concat();
            union.sort();
            let mut expected = all.clone();
            expected.sort();
            assert_eq!(union, expected, "{cases} cases in {count} shards");
            let sizes: Vec<usize> = shards.iter().map(Vec::len).collect();
            let (min, max) = (sizes.iter().min(), sizes.iter().max());
            assert!(max.unwrap() - min.unwrap() <= 1, "{sizes:?}");
        }
    }

    #[test]
    fn a_shard_keeps_the_given_order_and_does_not_depend_on_it() {
        let all = names(10);
        let shard = Shard::new(2, 3).unwrap();
        let forward = shard.select(all.clone(), |n| n);
        let mut reversed_input = all.clone();
        reversed_input.reverse();
        let mut backward = shard.select(reversed_input, |n| n);
        backward.reverse();
        assert_eq!(forward, backward);
        let positions: Vec<usize> = forward
            .iter()
            .map(|name| all.iter().position(|n| n == name).unwrap())
            .collect();
        assert!(positions.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn the_split_is_pinned() {
        // Machines running different builds of the harness must agree: a change of the hash
        // or the ranking is a change of every shard. (Checked against FNV-1a in Python.)
        let all: Vec<&str> = vec!["a::noop", "a::oracle", "b::noop", "b::oracle", "c::noop"];
        let split: Vec<Vec<&str>> = (1..=2)
            .map(|index| Shard::new(index, 2).unwrap().select(all.clone(), |n| n))
            .collect();
        assert_eq!(
            split,
            [
                vec!["a::noop", "b::noop", "b::oracle"],
                vec!["a::oracle", "c::noop"]
            ]
        );
    }

    #[test]
    fn i_over_n_is_read_one_based_and_everything_else_refused() {
        assert_eq!("2/3".parse::<Shard>().unwrap().to_string(), "2/3");
        assert_eq!(" 1/1 ".parse::<Shard>().unwrap(), Shard::new(1, 1).unwrap());
        assert_eq!(
            "0/3".parse::<Shard>().unwrap_err().to_string(),
            "failed to read shard `0/3`: I must be between 1 and 3 (shards count from 1)"
        );
        assert_eq!(
            "4/3".parse::<Shard>().unwrap_err(),
            ShardError::OutOfRange {
                given: "4/3".into(),
                count: 3
            }
        );
        assert_eq!(
            "1/0".parse::<Shard>().unwrap_err().to_string(),
            "failed to read shard `1/0`: N must be at least 1"
        );
        for bad in [
            "",
            "3",
            "1/",
            "/3",
            "a/b",
            "1/3/5",
            "-1/3",
            "1.0/3",
            "count:1/3",
        ] {
            assert_eq!(
                bad.parse::<Shard>().unwrap_err(),
                ShardError::Syntax(bad.to_owned()),
                "{bad}"
            );
        }
    }
}
