//! `--shard I/N`: one of N deterministic slices of a run, for a CI system's parallel
//! jobs. Every shard expands the same (target × scenario) set in the same order and
//! keeps its own part, so the shards together run each scenario exactly once.
//!
//! With at least as many targets as shards, whole targets are dealt out (largest
//! first, to the lightest shard): a tenant is then signed in to and rate-limited by one
//! machine only, as its quota expects. With fewer targets, scenarios are dealt round
//! robin, runnable and skipped ones counted apart so each shard gets its share of the
//! work.

use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: usize,
    pub count: usize,
}

/// More shards than this is a typo, not a CI matrix.
const MAX_SHARDS: usize = 1000;

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let usage = || format!("--shard `{s}`: expected I/N with 1 <= I <= N, e.g. 2/4");
        let (i, n) = s.split_once('/').ok_or_else(usage)?;
        let (index, count) = (
            i.trim().parse::<usize>().map_err(|_| usage())?,
            n.trim().parse::<usize>().map_err(|_| usage())?,
        );
        if count == 0 || index == 0 || index > count {
            return Err(usage());
        }
        if count > MAX_SHARDS {
            return Err(format!("--shard `{s}`: at most {MAX_SHARDS} shards"));
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// One scenario of the expanded run, in expansion order.
#[derive(Debug, Clone, Copy)]
pub struct Item {
    pub target: usize,
    pub runnable: bool,
}

impl Shard {
    /// Which of `items` this shard keeps; `targets` is how many targets there are.
    pub fn select(&self, targets: usize, items: &[Item]) -> Vec<bool> {
        let zero = self.index - 1;
        if targets >= self.count {
            let owner = self.deal_targets(targets, items);
            return items.iter().map(|i| owner[i.target] == zero).collect();
        }
        let (mut runnable, mut skipped) = (0usize, 0usize);
        items
            .iter()
            .map(|i| {
                let n = if i.runnable {
                    &mut runnable
                } else {
                    &mut skipped
                };
                let mine = *n % self.count == zero;
                *n += 1;
                mine
            })
            .collect()
    }

    /// The shard (0-based) of each target: heaviest first to the least loaded shard,
    /// ties to the lower shard, so every shard computes the same answer.
    fn deal_targets(&self, targets: usize, items: &[Item]) -> Vec<usize> {
        let mut weight = vec![0usize; targets];
        for i in items {
            // A skipped scenario costs next to nothing; still count it a little so
            // targets with only skips are spread too.
            weight[i.target] += if i.runnable { 10 } else { 1 };
        }
        let mut order: Vec<usize> = (0..targets).collect();
        order.sort_by(|a, b| weight[*b].cmp(&weight[*a]).then(a.cmp(b)));
        let mut load = vec![0usize; self.count];
        let mut owner = vec![0usize; targets];
        for t in order {
            let lightest = (0..self.count).min_by_key(|s| (load[*s], *s)).unwrap_or(0);
            owner[t] = lightest;
            load[lightest] += weight[t];
        }
        owner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(targets: usize, per: usize) -> Vec<Item> {
        (0..targets)
            .flat_map(|t| {
                (0..per).map(move |k| Item {
                    target: t,
                    runnable: k % 3 != 0,
                })
            })
            .collect()
    }

    #[test]
    fn parses_and_refuses() {
        assert_eq!(
            "2/3".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 3 }
        );
        for bad in ["0/3", "4/3", "1/0", "3", "a/b", "1/1001", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn shards_cover_every_item_exactly_once_and_are_balanced() {
        for (targets, per, count) in [(3, 50, 2), (3, 50, 3), (60, 72, 4), (1, 10, 3), (5, 7, 5)] {
            let all = items(targets, per);
            let picks: Vec<Vec<bool>> = (1..=count)
                .map(|index| Shard { index, count }.select(targets, &all))
                .collect();
            for k in 0..all.len() {
                assert_eq!(
                    picks.iter().filter(|p| p[k]).count(),
                    1,
                    "item {k} of {targets}×{per} over {count} shards"
                );
            }
            let sizes: Vec<usize> = picks
                .iter()
                .map(|p| p.iter().filter(|x| **x).count())
                .collect();
            let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(max - min <= per, "{targets}×{per} over {count}: {sizes:?}");
        }
    }

    #[test]
    fn with_enough_targets_a_target_stays_on_one_shard() {
        let all = items(8, 10);
        let picks: Vec<Vec<bool>> = (1..=4)
            .map(|index| Shard { index, count: 4 }.select(8, &all))
            .collect();
        for t in 0..8 {
            let owners: std::collections::BTreeSet<usize> = all
                .iter()
                .enumerate()
                .filter(|(_, i)| i.target == t)
                .map(|(k, _)| picks.iter().position(|p| p[k]).unwrap())
                .collect();
            assert_eq!(owners.len(), 1, "target {t} split over {owners:?}");
        }
    }
}
