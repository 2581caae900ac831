//! Deserialising TOML with the field path and line:column of every error.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::error::Problem;

/// Deserialises `text` (read from `file`) into `T`; on failure, the first [`Problem`]
/// (see [`parse_all`]).
pub(crate) fn parse<T: DeserializeOwned>(file: &Path, text: &str) -> Result<T, Problem> {
    parse_all(file, text).map_err(|mut problems| problems.swap_remove(0))
}

/// Deserialises `text` (read from `file`) into `T`; on failure, every problem found (never
/// none), in file order, each naming the file, line, column and dotted field path.
///
/// serde stops at the first error, so a key it refuses is taken out of the document and
/// the rest deserialised again: every unknown key is reported, each where it is, then the
/// first other error. A required key that is missing while a key spelt like it is there is
/// reported as that key, unknown (`stauts`, did you mean `status`?), and read under the
/// right name to look further.
pub(crate) fn parse_all<T: DeserializeOwned>(file: &Path, text: &str) -> Result<T, Vec<Problem>> {
    let mut root = DeTable::parse(text).map_err(|error| vec![problem(file, text, "", &error)])?;
    let mut problems = Vec::new();
    // Each round takes one key out or renames a missing field's look-alike (never twice the
    // same), so the rounds are bounded by the document's keys; the cap is a backstop.
    for _ in 0..MAX_ROUNDS {
        let deserializer = toml::Deserializer::from(root.clone());
        let error = match serde_path_to_error::deserialize::<_, T>(deserializer) {
            Ok(value) if problems.is_empty() => return Ok(value),
            Ok(_) => break,
            Err(error) => error,
        };
        let segments: Vec<Segment> = error.path().iter().cloned().collect();
        let field = match error.path().to_string() {
            field if field == "." => String::new(),
            field => field,
        };
        let inner = error.into_inner();
        match recover(&mut root, text, &segments, &inner) {
            Some(Recovered::Unknown { suggestion }) => {
                let mut found = problem(file, text, &field, &inner);
                found.message = with_suggestion(&found.message, suggestion.as_deref());
                problems.push(found);
            }
            Some(Recovered::Misspelt {
                key,
                wanted,
                position,
            }) => problems.push(Problem {
                file: file.to_path_buf(),
                position: Some(position),
                field: join_field(&field, &key),
                message: format!(
                    "unknown field `{key}`, did you mean `{wanted}`? (`{wanted}` is required)"
                ),
                parse: true,
            }),
            None => {
                problems.push(problem(file, text, &field, &inner));
                break;
            }
        }
    }
    problems.sort_by_key(|problem| problem.position);
    Err(problems)
}

/// Rounds of [`parse_all`] at most.
const MAX_ROUNDS: usize = 256;

/// How an error was taken out of the document so deserialising can go on.
enum Recovered {
    /// An unknown key, removed; the known field it looks like, if any.
    Unknown { suggestion: Option<String> },
    /// A missing required field whose look-alike `key` (at `position`) was renamed to it.
    Misspelt {
        key: String,
        wanted: String,
        position: (usize, usize),
    },
}

/// Takes the cause of `error` (at `path`) out of `root`, when it is an unknown key or a
/// missing field with a look-alike key; `None` for anything else (the error stands).
fn recover(
    root: &mut Spanned<DeTable<'_>>,
    text: &str,
    path: &[Segment],
    error: &toml::de::Error,
) -> Option<Recovered> {
    let message = error.message();
    if let Some(key) = backticked_after(message, "unknown field ") {
        let (last, parents) = path.split_last()?;
        let Segment::Map { key: named } = last else {
            return None;
        };
        if named != key {
            return None;
        }
        table_at(root.get_mut(), parents)?.remove(key)?;
        let expected = message
            .split_once(", expected")
            .map_or("", |(_, expected)| expected);
        let suggestion = closest(key, backticked(expected)).map(str::to_owned);
        return Some(Recovered::Unknown { suggestion });
    }
    let wanted = backticked_after(message, "missing field ")?;
    let table = table_at(root.get_mut(), path)?;
    let key = closest(
        wanted,
        table
            .iter()
            .map(|(key, _)| key.get_ref().as_ref())
            .filter(|key| *key != wanted),
    )?
    .to_owned();
    let (old, value) = table.remove_entry(key.as_str())?;
    let span = old.span();
    table.insert(Spanned::new(span.clone(), wanted.to_owned().into()), value);
    Some(Recovered::Misspelt {
        key,
        wanted: wanted.to_owned(),
        position: line_column(text, span.start),
    })
}

/// The table a path leads to (tables by key, arrays by index).
fn table_at<'a, 'i>(
    mut table: &'a mut DeTable<'i>,
    path: &[Segment],
) -> Option<&'a mut DeTable<'i>> {
    let mut segments = path.iter().peekable();
    while let Some(segment) = segments.next() {
        let Segment::Map { key } = segment else {
            return None;
        };
        let mut value = table.get_mut(key.as_str())?.get_mut();
        while let Some(Segment::Seq { index }) = segments.peek() {
            let DeValue::Array(items) = value else {
                return None;
            };
            value = items.get_mut(*index)?.get_mut();
            segments.next();
        }
        let DeValue::Table(inner) = value else {
            return None;
        };
        table = inner;
    }
    Some(table)
}

/// The first `` `name` `` right after `prefix` at the start of `message`.
fn backticked_after<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    backticked(message.strip_prefix(prefix)?).next()
}

/// Every `` `name` `` in `text`.
fn backticked(text: &str) -> impl Iterator<Item = &str> {
    text.split('`').skip(1).step_by(2)
}

/// The candidate spelt most like `name`, if any is close enough to be a typo: at most two
/// edits (a swap of neighbours is one), and fewer than half of `name`'s characters.
fn closest<'c>(name: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let limit = 2.min(name.chars().count().saturating_sub(1) / 2);
    candidates
        .map(|candidate| (edit_distance(name, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of
/// neighbouring characters, each one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows: Vec<Vec<usize>> = (0..=a.len())
        .map(|i| {
            let mut row = vec![0; b.len() + 1];
            row[0] = i;
            row
        })
        .collect();
    rows[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

/// `unknown field `x`, expected ...` with a did-you-mean after the name.
fn with_suggestion(message: &str, suggestion: Option<&str>) -> String {
    let Some(suggestion) = suggestion else {
        return message.to_owned();
    };
    match message.split_once(", expected") {
        Some((head, expected)) => {
            format!("{head}, did you mean `{suggestion}`? (expected{expected})")
        }
        None => format!("{message}, did you mean `{suggestion}`?"),
    }
}

/// `parent.key`, or `key` at the top.
fn join_field(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

fn problem(file: &Path, text: &str, field: &str, error: &toml::de::Error) -> Problem {
    Problem {
        file: file.to_path_buf(),
        position: error.span().map(|span| line_column(text, span.start)),
        field: field.to_owned(),
        message: tidy(error.message()),
        parse: true,
    }
}

/// 1-based line and column (in characters) of byte `offset`.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |tail| tail.chars().count())
        + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// serde's messages say "invalid type: string \"x\", expected u64"; users think in TOML types.
fn tidy(message: &str) -> String {
    let message = message
        .trim()
        .replace("expected u64", "expected an integer")
        .replace("expected u32", "expected an integer");
    let message = message.replace("expected f64", "expected a number");
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only the error path is exercised")]
    struct Sample {
        checks: Vec<SampleCheck>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only the error path is exercised")]
    struct SampleCheck {
        name: String,
        #[serde(default)]
        timeout_s: u64,
    }

    #[test]
    fn error_names_field_line_and_column() {
        let text = "[[checks]]\nname = 'a'\n\n[[checks]]\nname = 'b'\ntimeout_s = \"x\"\n";
        let problem = parse::<Sample>(Path::new("evaluation/fix-slug.toml"), text).unwrap_err();
        assert_eq!(
            problem.to_string(),
            "failed to parse evaluation/fix-slug.toml:6:13: checks[1].timeout_s: invalid type: string \"x\", expected an integer"
        );
    }

    #[test]
    fn unknown_key_is_reported_with_its_path() {
        let problem =
            parse::<Sample>(Path::new("c.toml"), "[[checks]]\nname='a'\nbogus=1\n").unwrap_err();
        assert_eq!(problem.field, "checks[0].bogus");
        assert_eq!(problem.position, Some((3, 1)));
        assert!(
            problem.message.contains("unknown field `bogus`"),
            "{}",
            problem.message
        );
    }

    #[test]
    fn every_unknown_key_is_reported_in_file_order() {
        let text = "[[checks]]\nname='a'\nzzz=1\naaa=2\n[[checks]]\nname='b'\ntimout_s=3\n";
        let problems = parse_all::<Sample>(Path::new("c.toml"), text).unwrap_err();
        let found: Vec<(&str, Option<(usize, usize)>)> = problems
            .iter()
            .map(|problem| (problem.field.as_str(), problem.position))
            .collect();
        assert_eq!(
            found,
            vec![
                ("checks[0].zzz", Some((3, 1))),
                ("checks[0].aaa", Some((4, 1))),
                ("checks[1].timout_s", Some((7, 1))),
            ]
        );
        assert_eq!(
            problems[2].message,
            "unknown field `timout_s`, did you mean `timeout_s`? (expected `name` or `timeout_s`)"
        );
    }

    #[test]
    fn typos_are_close_and_other_names_are_not() {
        assert_eq!(edit_distance("stauts", "status"), 1);
        assert_eq!(edit_distance("titel", "title"), 1);
        assert_eq!(edit_distance("timout_s", "timeout_s"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        let fields = ["id", "title", "statement", "status"];
        assert_eq!(closest("stauts", fields.into_iter()), Some("status"));
        assert_eq!(closest("notes", fields.into_iter()), None);
        // Short names need an exact match: `ix` is not a typo of `id`.
        assert_eq!(closest("ix", fields.into_iter()), None);
    }

    #[test]
    fn syntax_error_has_a_position() {
        let problem = parse::<Sample>(Path::new("c.toml"), "checks = [\n").unwrap_err();
        assert!(problem.position.is_some());
        assert!(problem.field.is_empty());
    }
}

/// Line and column of the value at a dotted field path such as `checks[1].weight` or
/// `scope.allow[0]`, so rule violations point at the offending value like parse errors do.
pub(crate) fn locate(text: &str, field: &str) -> Option<(usize, usize)> {
    use toml::de::{DeTable, DeValue};
    let root = DeTable::parse(text).ok()?;
    let mut table: &DeTable<'_> = root.get_ref();
    let mut span = None;
    let mut segments = field.split('.').peekable();
    while let Some(segment) = segments.next() {
        let (key, index) = match segment.split_once('[') {
            Some((key, rest)) => (key, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (segment, None),
        };
        let (_, value) = table
            .iter()
            .find(|(name, _)| name.get_ref().as_ref() == key)?;
        let mut value = value;
        if let Some(index) = index {
            let DeValue::Array(items) = value.get_ref() else {
                return None;
            };
            value = items.get(index)?;
        }
        span = Some(value.span());
        if segments.peek().is_some() {
            let DeValue::Table(inner) = value.get_ref() else {
                return None;
            };
            table = inner;
        }
    }
    span.map(|span| line_column(text, span.start))
}

#[cfg(test)]
mod locate_tests {
    use super::*;

    #[test]
    fn locates_nested_fields() {
        let text = "[scope]\nallow = ['a', 'b']\n\n[[checks]]\nname = 'x'\n[[checks]]\nname = 'y'\nweight = -1\n";
        assert_eq!(locate(text, "scope.allow[1]"), Some((2, 15)));
        assert_eq!(locate(text, "checks[1].weight"), Some((8, 10)));
        assert_eq!(locate(text, "checks[5].weight"), None);
    }
}
