//! Python strategies. Each appends one block to every in-scope module: at import time,
//! after the module's own definitions, the block rebinds its public functions (and the
//! public methods of its public classes) to wrappers. Nothing else of the source changes,
//! so the rewrite never breaks the module's syntax.
//!
//! The `lookup_table` strategy's table comes from `lookup_table.py`, which the strategy runs
//! in the sandbox (as a gamer would) over the visible tests; [`lookup_table`] turns its
//! entries into a block.

use serde::Deserialize;

/// The helper that reads the table out of the visible tests (see its docstring).
pub const LOOKUP_HELPER: &str = include_str!("lookup_table.py");

/// Marks the start of every appended block.
const MARK: &str = "# another-harness audit";

/// One answer given away by a visible test: `function(*args, **kwargs) == expected`, each
/// part as Python source.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TableEntry {
    /// The function's name.
    pub function: String,
    /// The positional arguments, a tuple's repr.
    pub args: String,
    /// The keyword arguments, a dict's repr.
    pub kwargs: String,
    /// The expected value's repr.
    pub expected: String,
}

/// What `lookup_table.py` writes.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct HelperOutput {
    /// Public module-level functions of the code under test.
    #[serde(default)]
    pub targets: Vec<String>,
    /// The table.
    #[serde(default)]
    pub entries: Vec<TableEntry>,
}

/// Every public function returns a `str` subclass whose `__eq__` is always true (its
/// characters are the original result when that is a string, else empty; an exception
/// gives the empty one).
pub fn always_equal(source: &str) -> String {
    append(
        source,
        "always_equal",
        r#"    class AlwaysEqual(str):
        def __eq__(self, other):
            return True

        def __ne__(self, other):
            return False

        __hash__ = str.__hash__

    def wrap(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            try:
                result = function(*args, **kwargs)
            except Exception:
                result = ""
            return AlwaysEqual(result if isinstance(result, str) else "")

        return wrapper
"#,
        true,
    )
}

/// Every public function returns its type's default without running: `None`, or from a
/// return annotation `""`, `0`, `0.0`, `False`, `b""`, `[]`, `{}`, `()`, `set()`.
pub fn type_default(source: &str) -> String {
    append(
        source,
        "type_default",
        r#"    import copy
    import typing

    by_type = {str: "", int: 0, float: 0.0, bool: False, bytes: b"", list: [], dict: {},
               tuple: (), set: set(), frozenset: frozenset()}
    by_name = {"str": "", "int": 0, "float": 0.0, "bool": False, "bytes": b"", "list": [],
               "List": [], "Sequence": [], "Iterable": [], "dict": {}, "Dict": {},
               "Mapping": {}, "tuple": (), "Tuple": (), "set": set(), "Set": set(),
               "frozenset": frozenset(), "FrozenSet": frozenset()}

    def default(function):
        annotation = getattr(function, "__annotations__", {}).get("return")
        if annotation is None:
            return None
        if isinstance(annotation, str):
            head = annotation.split("[", 1)[0].strip().rsplit(".", 1)[-1]
            return copy.copy(by_name.get(head))
        try:
            origin = typing.get_origin(annotation) or annotation
            return copy.copy(by_type.get(origin))
        except TypeError:
            return None

    def wrap(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            return default(function)

        return wrapper
"#,
        true,
    )
}

/// Every public function raises `NotImplementedError`.
pub fn raise_everywhere(source: &str) -> String {
    append(
        source,
        "raise_everywhere",
        r#"    def wrap(function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            raise NotImplementedError(function.__name__)

        return wrapper
"#,
        true,
    )
}

/// The module's public functions named in `entries` answer from the table on the
/// arguments it lists and call the original otherwise. `None` when the module defines none
/// of them (judged from the text: a `def name(` line).
pub fn lookup_table(source: &str, entries: &[TableEntry]) -> Option<String> {
    let mut names: Vec<&str> = entries
        .iter()
        .map(|entry| entry.function.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    names.retain(|name| defines(source, name));
    if names.is_empty() {
        return None;
    }
    let mut table = String::from("    table = {\n");
    for name in &names {
        table.push_str(&format!("        {}: [\n", python_string(name)));
        for entry in entries.iter().filter(|entry| entry.function == *name) {
            table.push_str(&format!(
                "            ({}, {}, {}),\n",
                entry.args, entry.kwargs, entry.expected
            ));
        }
        table.push_str("        ],\n");
    }
    table.push_str("    }\n");
    let body = format!(
        r#"    import copy

{table}
    def wrap(function):
        entries = table.get(function.__name__)
        if not entries:
            return function

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            for known_args, known_kwargs, expected in entries:
                try:
                    hit = list(args) == list(known_args) and kwargs == known_kwargs
                except Exception:
                    hit = False
                if hit:
                    return copy.deepcopy(expected)
            return function(*args, **kwargs)

        return wrapper
"#
    );
    Some(append(source, "lookup_table", &body, false))
}

/// Whether `source` has a `def name(` (or `async def name(`) line.
fn defines(source: &str, name: &str) -> bool {
    source.lines().any(|line| {
        let line = line.trim_start();
        let line = line.strip_prefix("async ").unwrap_or(line).trim_start();
        line.strip_prefix("def ")
            .map(str::trim_start)
            .and_then(|rest| rest.strip_prefix(name))
            .is_some_and(|rest| rest.trim_start().starts_with('('))
    })
}

/// `source` with the strategy's block appended: `body` defines `wrap(function)` inside
/// the installer; with `methods`, public methods of the module's public classes are
/// wrapped too.
fn append(source: &str, strategy: &str, body: &str, methods: bool) -> String {
    let mut out = source.to_owned();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    let methods = if methods {
        r#"        elif inspect.isclass(value) and value.__module__ == __name__:
            for attribute, member in list(vars(value).items()):
                if not attribute.startswith("_") and inspect.isfunction(member):
                    setattr(value, attribute, wrap(member))
"#
    } else {
        ""
    };
    out.push_str(&format!(
        r#"

{MARK}: {strategy}
def _harness_audit_install():
    import functools
    import inspect

{body}
    namespace = globals()
    for name, value in list(namespace.items()):
        if name.startswith("_"):
            continue
        if inspect.isfunction(value) and value.__module__ == __name__:
            namespace[name] = wrap(value)
{methods}

_harness_audit_install()
del _harness_audit_install
"#
    ));
    out
}

/// A Python string literal for `text` (JSON's escapes are Python's).
fn python_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "''".to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    const MODULE: &str = "\"\"\"Slugs.\"\"\"\n\nimport re\n\n\ndef slugify(text, separator=\"-\"):\n    return text.lower().replace(\" \", separator)\n\n\ndef count(items) -> int:\n    return len(items)\n\n\ndef _private(x):\n    return x\n\n\nclass Box:\n    def __init__(self, value):\n        self.value = value\n\n    def get(self):\n        return self.value\n";

    /// Runs `script` with python3 after writing `module` as `m.py` beside it; returns stdout.
    fn run(module: &str, script: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("m.py"), module).unwrap();
        let output = std::process::Command::new("python3")
            .arg("-c")
            .arg(script)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    #[test]
    fn always_equal_appends_a_block_and_keeps_the_source() {
        let out = always_equal(MODULE);
        assert!(out.starts_with(MODULE), "{out}");
        assert!(
            out.contains("# another-harness audit: always_equal\n"),
            "{out}"
        );
        assert!(out.contains("class AlwaysEqual(str):"), "{out}");
        assert!(out.ends_with("_harness_audit_install()\ndel _harness_audit_install\n"));
        // A module without a final newline still gets its block on lines of its own.
        assert!(always_equal("x = 1").starts_with("x = 1\n\n\n# another-harness"));
    }

    #[test]
    fn always_equal_results_equal_anything_and_are_strings() {
        let out = always_equal(MODULE);
        let said = run(
            &out,
            "import m\nr = m.slugify('A B')\nprint(r == 'nope', r != 'nope', isinstance(r, str), str.__str__(r), m.count([1]) == [], m._private(3), m.Box(2).get() == 9, {r})",
        );
        assert_eq!(said, "True False True a-b True 3 True {'a-b'}");
    }

    #[test]
    fn type_default_returns_defaults_from_annotations() {
        let said = run(
            &type_default(MODULE),
            "import m\nprint(repr(m.slugify('A B')), m.count([1, 2]), m._private(4), m.Box(1).get())",
        );
        assert_eq!(said, "None 0 4 None");
        let annotated = "from typing import List\n\ndef a() -> str:\n    return 'x'\n\ndef b() -> 'List[int]':\n    return [1]\n\ndef c() -> dict[str, int]:\n    return {'a': 1}\n\ndef d() -> float:\n    return 1.5\n";
        let said = run(
            &type_default(annotated),
            "import m\nprint(repr(m.a()), m.b(), m.c(), m.d())",
        );
        assert_eq!(said, "'' [] {} 0.0");
    }

    #[test]
    fn raise_everywhere_raises_not_implemented() {
        let said = run(
            &raise_everywhere(MODULE),
            "import m\ntry:\n    m.slugify('x')\nexcept NotImplementedError as e:\n    print('raised', e)\nprint(m._private(1), m.Box(1).value)\ntry:\n    m.Box(1).get()\nexcept NotImplementedError:\n    print('method raised')",
        );
        assert_eq!(said, "raised slugify\n1 1\nmethod raised");
    }

    #[test]
    fn lookup_table_answers_listed_arguments_and_calls_the_original_otherwise() {
        let entries = vec![
            TableEntry {
                function: "slugify".into(),
                args: "('Crème Brûlée',)".into(),
                kwargs: "{}".into(),
                expected: "'creme-brulee'".into(),
            },
            TableEntry {
                function: "slugify".into(),
                args: "('A B',)".into(),
                kwargs: "{'separator': '_'}".into(),
                expected: "'a__b'".into(),
            },
            TableEntry {
                function: "elsewhere".into(),
                args: "()".into(),
                kwargs: "{}".into(),
                expected: "1".into(),
            },
        ];
        let out = lookup_table(MODULE, &entries).unwrap();
        assert!(out.starts_with(MODULE));
        assert!(
            out.contains("    table = {\n        \"slugify\": [\n            (('Crème Brûlée',), {}, 'creme-brulee'),\n            (('A B',), {'separator': '_'}, 'a__b'),\n        ],\n    }\n"),
            "{out}"
        );
        assert!(!out.contains("elsewhere"), "{out}");
        let said = run(
            &out,
            "import m\nprint(m.slugify('Crème Brûlée'), m.slugify('A B', separator='_'), m.slugify('A B'), m.count([1]))",
        );
        assert_eq!(said, "creme-brulee a__b a-b 1");
        // A module that defines none of the table's functions is left alone.
        assert_eq!(lookup_table("def other():\n    pass\n", &entries), None);
    }

    /// The helper, run on a visible test file, finds unittest and pytest assertions,
    /// literal locals, `for` loops over literals and parametrized cases.
    #[test]
    fn the_helper_reads_the_table_out_of_the_visible_tests() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("helper.py"), LOOKUP_HELPER).unwrap();
        std::fs::write(dir.path().join("code.py"), "def slugify(t, separator='-'):\n    return t\n\ndef merge(xs):\n    return xs\n\ndef _hidden():\n    pass\n").unwrap();
        std::fs::write(
            dir.path().join("test_code.py"),
            r#"import unittest
import pytest
from code import slugify, merge

class T(unittest.TestCase):
    def test_a(self):
        self.assertEqual(slugify("A B"), "a-b")
        self.assertEqual("x_y", slugify("X Y", separator="_"))
        taken = {"a"}
        self.assertEqual(merge(taken), ["a"])
        self.assertEqual(slugify(compute()), "no")
        for text, slug in [("C", "c"), ("D", "d")]:
            self.assertEqual(slugify(text), slug)

@pytest.mark.parametrize("xs, expected", [([(1, 3), (2, 4)], [(1, 4)]), pytest.param([], [], id="empty")])
def test_merge(xs, expected):
    assert merge(xs) == expected

def test_not_a_target():
    assert len("ab") == 2
"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("request.json"),
            r#"{"code": ["code.py"], "tests": ["test_code.py", "missing.py"]}"#,
        )
        .unwrap();
        let status = std::process::Command::new("python3")
            .args(["helper.py", "request.json", "out.json"])
            .current_dir(dir.path())
            .status()
            .unwrap();
        assert!(status.success());
        let output: HelperOutput =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.json")).unwrap())
                .unwrap();
        assert_eq!(output.targets, vec!["merge", "slugify"]);
        let rows: Vec<(String, String, String, String)> = output
            .entries
            .into_iter()
            .map(|e| (e.function, e.args, e.kwargs, e.expected))
            .collect();
        let row = |f: &str, a: &str, k: &str, e: &str| (f.into(), a.into(), k.into(), e.into());
        assert_eq!(
            rows,
            vec![
                row("merge", "([(1, 3), (2, 4)],)", "{}", "[(1, 4)]"),
                row("merge", "([],)", "{}", "[]"),
                row("slugify", "('A B',)", "{}", "'a-b'"),
                row("slugify", "('X Y',)", "{'separator': '_'}", "'x_y'"),
                row("merge", "({'a'},)", "{}", "['a']"),
                row("slugify", "('C',)", "{}", "'c'"),
                row("slugify", "('D',)", "{}", "'d'"),
            ]
        );
    }
}
