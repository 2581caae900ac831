//! The Rust driver: a small crate the harness generates beside the grading tree, with the
//! graded crate as a path dependency, whose `main` converts each JSON input to the entry's
//! declared argument types, calls it and writes the result's `Debug` text.

use std::fmt::Write as _;

/// Why a driver cannot be generated (the contract names something it cannot call).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DriverError(String);

const TEMPLATE: &str = include_str!("driver.rs");

/// One argument type, parsed from the contract's `args`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ArgType {
    Str,
    String,
    Char,
    Bool,
    Int(String),
    Float(String),
    Vec(Box<ArgType>),
    Slice(Box<ArgType>),
    Option(Box<ArgType>),
}

const INTEGERS: &[&str] = &[
    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
];

fn parse_type(text: &str, top: bool) -> Result<ArgType, DriverError> {
    let text = text.trim();
    let inner = |prefix: &str, suffix: &str| {
        text.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(suffix))
            .map(str::trim)
    };
    if text == "&str" {
        return if top {
            Ok(ArgType::Str)
        } else {
            Err(DriverError(
                "`&str` is only supported as a whole argument; use `String` inside containers"
                    .into(),
            ))
        };
    }
    match text {
        "String" => return Ok(ArgType::String),
        "char" => return Ok(ArgType::Char),
        "bool" => return Ok(ArgType::Bool),
        "f32" | "f64" => return Ok(ArgType::Float(text.to_owned())),
        _ if INTEGERS.contains(&text) => return Ok(ArgType::Int(text.to_owned())),
        _ => {}
    }
    if let Some(element) = inner("Vec<", ">") {
        return Ok(ArgType::Vec(Box::new(parse_type(element, false)?)));
    }
    if let Some(element) = inner("Option<", ">") {
        return Ok(ArgType::Option(Box::new(parse_type(element, false)?)));
    }
    if let Some(element) = inner("&[", "]")
        && top
    {
        return Ok(ArgType::Slice(Box::new(parse_type(element, false)?)));
    }
    Err(DriverError(format!(
        "unsupported argument type `{text}`: use &str, String, char, bool, integers, f32, f64, Vec<T>, &[T] or Option<T>"
    )))
}

/// The expression converting JSON `value` (an expression of type `&Json`) to `ty`, owned.
fn conversion(ty: &ArgType, value: &str) -> String {
    match ty {
        ArgType::Str | ArgType::String => format!("str_of({value})"),
        ArgType::Char => format!("char_of({value})"),
        ArgType::Bool => format!("bool_of({value})"),
        ArgType::Int(name) => format!(
            "<{name}>::try_from(int_of({value})).expect(\"integer out of range for {name}\")"
        ),
        ArgType::Float(name) => format!("(float_of({value}) as {name})"),
        ArgType::Vec(element) | ArgType::Slice(element) => format!(
            "array_of({value}).iter().map(|item| {}).collect::<Vec<_>>()",
            conversion(element, "item")
        ),
        ArgType::Option(element) => format!(
            "(if is_null({value}) {{ None }} else {{ Some({}) }})",
            conversion(element, value)
        ),
    }
}

/// The driver's `main.rs` for `entry` (`crate::path::function`) with `args`.
pub fn main_rs(entry: &str, args: &[String]) -> Result<String, DriverError> {
    let types = args
        .iter()
        .map(|arg| parse_type(arg, true))
        .collect::<Result<Vec<_>, _>>()?;
    let mut conversions = String::new();
    let mut call_args = Vec::new();
    for (index, ty) in types.iter().enumerate() {
        let _ = write!(
            conversions,
            "let arg{index} = {};\n            ",
            conversion(ty, &format!("args.get({index}).unwrap_or(&Json::Null)"))
        );
        call_args.push(match ty {
            ArgType::Str | ArgType::Slice(_) => format!("&arg{index}"),
            _ => format!("arg{index}"),
        });
    }
    let call = format!("{entry}({})", call_args.join(", "));
    Ok(TEMPLATE
        .replace("__CONVERSIONS__", &conversions)
        .replace("__ENTRY_CALL__", &call))
}

/// The driver's `Cargo.toml`: its own workspace, the graded package as a path dependency.
pub fn manifest(package: &str, tree: &std::path::Path) -> String {
    format!(
        "[package]\nname = \"harness-differential-driver\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n{} = {{ path = {} }}\n\n[workspace]\n",
        toml_key(package),
        toml_string(&tree.display().to_string())
    )
}

/// The graded package's name and its library's crate name, from the tree's `Cargo.toml`.
pub fn package_names(manifest: &str) -> Option<(String, String)> {
    let table: toml::Table = toml::from_str(manifest).ok()?;
    let package = table.get("package")?.get("name")?.as_str()?.to_owned();
    let lib = table
        .get("lib")
        .and_then(|lib| lib.get("name"))
        .and_then(toml::Value::as_str)
        .map_or_else(|| package.replace('-', "_"), str::to_owned);
    Some((package, lib))
}

fn toml_key(key: &str) -> String {
    if key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        key.to_owned()
    } else {
        toml_string(key)
    }
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| (*arg).to_owned()).collect()
    }

    #[test]
    fn arguments_are_converted_and_borrowed_where_declared() {
        let main = main_rs("wordfreq::top_n", &args(&["&str", "usize"])).unwrap();
        assert!(main.contains("let arg0 = str_of(args.get(0)"), "{main}");
        assert!(
            main.contains("<usize>::try_from(int_of(args.get(1)"),
            "{main}"
        );
        assert!(
            main.contains("format!(\"{:?}\", wordfreq::top_n(&arg0, arg1))"),
            "{main}"
        );
        assert!(!main.contains("__ENTRY_CALL__") && !main.contains("__CONVERSIONS__"));
    }

    #[test]
    fn containers_nest() {
        let main = main_rs("k::f", &args(&["&[Vec<i64>]", "Option<String>"])).unwrap();
        assert!(
            main.contains(
                "array_of(args.get(0).unwrap_or(&Json::Null)).iter().map(|item| array_of(item)"
            ),
            "{main}"
        );
        assert!(main.contains("k::f(&arg0, arg1)"), "{main}");
    }

    #[test]
    fn unsupported_types_are_named() {
        let error = main_rs("k::f", &args(&["HashMap<String, u8>"])).unwrap_err();
        assert!(
            error.to_string().contains("`HashMap<String, u8>`"),
            "{error}"
        );
        assert!(main_rs("k::f", &args(&["Vec<&str>"])).is_err());
    }

    #[test]
    fn package_and_lib_names_come_from_the_manifest() {
        assert_eq!(
            package_names("[package]\nname = \"word-freq\"\n"),
            Some(("word-freq".into(), "word_freq".into()))
        );
        assert_eq!(
            package_names("[package]\nname = \"a\"\n[lib]\nname = \"b\"\n"),
            Some(("a".into(), "b".into()))
        );
        let manifest = manifest("word-freq", std::path::Path::new("/t/tree"));
        assert!(
            manifest.contains("word-freq = { path = \"/t/tree\" }"),
            "{manifest}"
        );
        assert!(manifest.contains("[workspace]"));
    }
}
