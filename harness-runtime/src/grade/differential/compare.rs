//! Comparing a differential check's outputs, harness-side, as data: never by asking the
//! values themselves.

use harness_fixture::{Compare, Differential};
use serde_json::Value;

/// Characters of one value shown in the log.
const SHOWN_CHARS: usize = 300;

/// Whether `actual` matches `expected` under `compare`.
pub fn matches(expected: &Value, actual: &Value, compare: Compare) -> bool {
    match compare {
        Compare::Exact => expected == actual,
        Compare::Tolerance(tolerance) => within(expected, actual, tolerance),
    }
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    // An infinity (or NaN) equals only itself: within a relative tolerance of anything, an
    // infinity matched every number (red team round 9: `1e999` in Debug text, 0.700).
    if !(a.is_finite() && b.is_finite()) {
        return a == b;
    }
    a == b || (a - b).abs() <= tolerance || (a - b).abs() <= tolerance * a.abs().max(b.abs())
}

fn within(expected: &Value, actual: &Value, tolerance: f64) -> bool {
    match (expected, actual) {
        (Value::Number(a), Value::Number(b)) => match (a.as_f64(), b.as_f64()) {
            (Some(a), Some(b)) => close(a, b, tolerance),
            _ => a == b,
        },
        // Rust results are `Debug` text: compare it token by token, numbers within the
        // tolerance and everything else exactly.
        (Value::String(a), Value::String(b)) => text_within(a, b, tolerance),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| within(a, b, tolerance))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(key, a)| b.get(key).is_some_and(|b| within(a, b, tolerance)))
        }
        _ => expected == actual,
    }
}

/// Splits Debug text into numbers and the text between them.
fn tokens(text: &str) -> Vec<Result<f64, &str>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    let mut plain = 0;
    while at < bytes.len() {
        let starts_number = bytes[at].is_ascii_digit()
            || (bytes[at] == b'-' && bytes.get(at + 1).is_some_and(u8::is_ascii_digit));
        let inside_word =
            at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
        if starts_number && !inside_word {
            let mut end = at + 1;
            while end < bytes.len()
                && (bytes[end].is_ascii_digit()
                    || matches!(bytes[end], b'.' | b'e' | b'E')
                    || (matches!(bytes[end], b'-' | b'+') && matches!(bytes[end - 1], b'e' | b'E')))
            {
                end += 1;
            }
            if let Ok(number) = text[at..end].parse::<f64>() {
                if plain < at {
                    out.push(Err(&text[plain..at]));
                }
                out.push(Ok(number));
                at = end;
                plain = end;
                continue;
            }
        }
        at += 1;
    }
    if plain < text.len() {
        out.push(Err(&text[plain..]));
    }
    out
}

fn text_within(expected: &str, actual: &str, tolerance: f64) -> bool {
    let (a, b) = (tokens(expected), tokens(actual));
    a.len() == b.len()
        && a.iter().zip(&b).all(|pair| match pair {
            (Ok(a), Ok(b)) => close(*a, *b, tolerance),
            (Err(a), Err(b)) => a == b,
            _ => false,
        })
}

/// Whether two records (`ok`, `raised`, `panicked`) are the same outcome.
pub(super) fn same_record(expected: &Value, actual: &Value, table: &Differential) -> bool {
    match (expected.get("ok"), actual.get("ok")) {
        (Some(want), Some(got)) => matches(want, got, table.compare),
        (None, None) => {
            expected.get("raised") == actual.get("raised")
                && expected.get("panicked") == actual.get("panicked")
                && (expected.get("raised").is_some() || expected.get("panicked").is_some())
        }
        _ => false,
    }
}

pub(super) fn shown(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > SHOWN_CHARS {
        format!("{}...", text.chars().take(SHOWN_CHARS).collect::<String>())
    } else {
        text
    }
}

pub(super) fn shown_record(record: Option<&Value>) -> String {
    match record {
        None => "nothing (no result for this input)".to_owned(),
        Some(record) => match (
            record.get("ok"),
            record.get("raised"),
            record.get("panicked"),
        ) {
            (Some(value), _, _) => shown(value),
            (_, Some(kind), _) => format!("raised {}", kind.as_str().unwrap_or("?")),
            (_, _, Some(_)) => "panicked".to_owned(),
            _ => shown(record),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn exact_compares_data() {
        assert!(matches(
            &json!({"tuple": [1, 2]}),
            &json!({"tuple": [1, 2]}),
            Compare::Exact
        ));
        assert!(!matches(
            &json!({"tuple": [1, 2]}),
            &json!([1, 2]),
            Compare::Exact
        ));
        assert!(!matches(&json!(1.0), &json!(1.0000001), Compare::Exact));
    }

    #[test]
    fn tolerance_applies_to_numbers_only() {
        let tolerance = Compare::Tolerance(1e-6);
        assert!(matches(
            &json!([1.0, "a"]),
            &json!([1.0000001, "a"]),
            tolerance
        ));
        assert!(!matches(
            &json!([1.0, "a"]),
            &json!([1.0000001, "b"]),
            tolerance
        ));
        assert!(
            matches(&json!(1e12), &json!(1e12 + 1.0), tolerance),
            "relative"
        );
        assert!(!matches(&json!(1.0), &json!(1.1), tolerance));
    }

    #[test]
    fn an_infinity_matches_only_itself_whatever_the_tolerance() {
        let tolerance = Compare::Tolerance(1e-9);
        for forged in [
            "Ok(Number(1e999))",
            "Ok(Number(-1e999))",
            "Ok(Number(1E999))",
        ] {
            for expected in ["Ok(Number(12.0))", "Ok(Number(-3.5))", "Ok(Number(0.0))"] {
                assert!(
                    !matches(&json!(expected), &json!(forged), tolerance),
                    "{forged} matched {expected}"
                );
                assert!(!matches(&json!(forged), &json!(expected), tolerance));
            }
        }
        assert!(matches(
            &json!("Ok(Number(1e999))"),
            &json!("Ok(Number(1e400))"),
            tolerance
        ));
        assert!(!matches(&json!("[1e999]"), &json!("[-1e999]"), tolerance));
    }

    #[test]
    fn debug_text_is_compared_token_by_token() {
        let tolerance = Compare::Tolerance(1e-9);
        assert!(matches(
            &json!("[(\"a\", 0.30000000000000004), (\"b2\", -1e-3)]"),
            &json!("[(\"a\", 0.3), (\"b2\", -0.001)]"),
            tolerance
        ));
        assert!(!matches(
            &json!("[(\"a\", 1)]"),
            &json!("[(\"b\", 1)]"),
            tolerance
        ));
        assert!(
            !matches(&json!("x1"), &json!("x2"), tolerance),
            "digits inside a word are text"
        );
        assert!(!matches(&json!("[1, 2]"), &json!("[1, 2, 3]"), tolerance));
    }
}
