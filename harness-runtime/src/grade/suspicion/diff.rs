//! Which lines the agent added or changed: a line diff against the baseline.

use std::collections::HashMap;

/// The lines a scan may count: most pairs of lines a Myers diff may compare (beyond it,
/// a line counts as changed when the new file has more copies of it than the baseline).
const DIFF_BUDGET: usize = 4_000_000;

/// For each line of `new` (0-based), whether the agent added or changed it: a line diff
/// against `old` (empty for an added file). The fixture's own lines are never marked.
pub(crate) fn changed_lines(old: &[u8], new: &[u8]) -> Vec<bool> {
    let old_lines = split_lines(old);
    let new_lines = split_lines(new);
    let mut changed = vec![false; new_lines.len()];
    let prefix = old_lines
        .iter()
        .zip(&new_lines)
        .take_while(|(a, b)| a == b)
        .count();
    let suffix = old_lines[prefix..]
        .iter()
        .rev()
        .zip(new_lines[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let old_middle = &old_lines[prefix..old_lines.len() - suffix];
    let new_middle = &new_lines[prefix..new_lines.len() - suffix];
    if old_middle.is_empty() {
        changed[prefix..prefix + new_middle.len()].fill(true);
        return changed;
    }
    let pairs = old_middle.len().saturating_mul(new_middle.len());
    if pairs <= DIFF_BUDGET && old_middle.len() + new_middle.len() <= 100_000 {
        for op in similar::capture_diff_slices(similar::Algorithm::Myers, old_middle, new_middle) {
            match op {
                similar::DiffOp::Insert {
                    new_index, new_len, ..
                }
                | similar::DiffOp::Replace {
                    new_index, new_len, ..
                } => {
                    let start = prefix + new_index;
                    changed[start..start + new_len].fill(true);
                }
                similar::DiffOp::Equal { .. } | similar::DiffOp::Delete { .. } => {}
            }
        }
    } else {
        let mut available: HashMap<&[u8], usize> = HashMap::new();
        for line in old_middle {
            *available.entry(line).or_default() += 1;
        }
        for (index, line) in new_middle.iter().enumerate() {
            match available.get_mut(line) {
                Some(count) if *count > 0 => *count -= 1,
                _ => changed[prefix + index] = true,
            }
        }
    }
    changed
}

/// Lines without their terminator (`\n`, `\r\n`); a final line without one counts.
pub(super) fn split_lines(text: &[u8]) -> Vec<&[u8]> {
    if text.is_empty() {
        return Vec::new();
    }
    let body = text.strip_suffix(b"\n").unwrap_or(text);
    body.split(|&byte| byte == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .collect()
}
