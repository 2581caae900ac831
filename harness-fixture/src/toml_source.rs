//! Deserialising TOML with the field path and line:column of the first error.

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::Problem;

/// Deserialises `text` (read from `file`) into `T`; on failure, one [`Problem`] naming the
/// file, line, column and dotted field path.
pub(crate) fn parse<T: DeserializeOwned>(file: &Path, text: &str) -> Result<T, Problem> {
    let deserializer =
        toml::Deserializer::parse(text).map_err(|error| problem(file, text, "", &error))?;
    serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let field = error.path().to_string();
        let field = if field == "." { String::new() } else { field };
        problem(file, text, &field, error.inner())
    })
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
