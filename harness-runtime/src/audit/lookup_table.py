"""another-harness fixture audit: the table of the `lookup_table` strategy.

Reads the code under test and the visible tests (Python sources, parsed with `ast`, never
run) and writes the answers the tests' assertions give away: every assertion that compares a
call of a public function of the code under test, with literal arguments, to a literal.

    self.assertEqual(slugify("Hello World"), "hello-world")
    assert merge([(1, 3), (2, 4)]) == [(1, 4)]

Literals are what `ast.literal_eval` accepts, `set()`/`frozenset()`/`list()`/`tuple()`/
`dict()` of literals, and names bound to literals earlier in the test (`taken = {...}`),
by a `for` loop over a literal, or by `@pytest.mark.parametrize`.

usage: python3 lookup_table.py REQUEST OUT
REQUEST is a JSON file {"code": [path...], "tests": [path...]}; OUT receives
{"targets": [name...], "entries": [{"function", "args", "kwargs", "expected"}...]} where
args (a tuple), kwargs (a dict) and expected are Python source (their repr).
"""

import ast
import itertools
import json
import sys

EQUAL_ASSERTIONS = {
    "assertEqual",
    "assertEquals",
    "assertListEqual",
    "assertTupleEqual",
    "assertDictEqual",
    "assertSetEqual",
    "assertSequenceEqual",
    "assertMultiLineEqual",
    "assertCountEqual",
}
CONSTANT_ASSERTIONS = {"assertIsNone": None, "assertTrue": True, "assertFalse": False}
CONSTRUCTORS = {"set": set, "frozenset": frozenset, "list": list, "tuple": tuple, "dict": dict}
MAX_CASES = 2000


class NotLiteral(Exception):
    pass


def literal(node, env):
    """The value of `node` when it is a literal (names looked up in env)."""
    if isinstance(node, ast.Name):
        if node.id in env:
            return env[node.id]
        raise NotLiteral
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = []
        for element in node.elts:
            if isinstance(element, ast.Starred):
                raise NotLiteral
            items.append(literal(element, env))
        if isinstance(node, ast.List):
            return items
        if isinstance(node, ast.Tuple):
            return tuple(items)
        return set(items)
    if isinstance(node, ast.Dict):
        if any(key is None for key in node.keys):
            raise NotLiteral
        return {literal(key, env): literal(value, env) for key, value in zip(node.keys, node.values)}
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in CONSTRUCTORS
        and node.func.id not in env
        and not node.keywords
        and len(node.args) <= 1
    ):
        return CONSTRUCTORS[node.func.id](*[literal(arg, env) for arg in node.args])
    try:
        return ast.literal_eval(node)
    except Exception:  # noqa: BLE001 - anything else is not a literal
        raise NotLiteral from None


def source(value):
    """`repr(value)` when it reads back as an equal value, else NotLiteral."""
    text = repr(value)
    try:
        back = eval(text, {"__builtins__": {}, "set": set, "frozenset": frozenset})  # noqa: S307
    except Exception:  # noqa: BLE001
        raise NotLiteral from None
    if type(back) is not type(value) or back != value:
        raise NotLiteral
    return text


def target_call(node, targets):
    """The function name when `node` calls a target (`f(...)` or `module.f(...)`)."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if isinstance(func, ast.Name) and func.id in targets:
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.attr in targets:
        return func.attr
    return None


class Table:
    def __init__(self, targets):
        self.targets = targets
        self.entries = []
        self.seen = set()

    def record(self, call, expected_node, env, expected=None, constant=False):
        name = target_call(call, self.targets)
        if name is None:
            return
        try:
            if any(isinstance(arg, ast.Starred) for arg in call.args):
                raise NotLiteral
            if any(keyword.arg is None for keyword in call.keywords):
                raise NotLiteral
            args = tuple(literal(arg, env) for arg in call.args)
            kwargs = {keyword.arg: literal(keyword.value, env) for keyword in call.keywords}
            value = expected if constant else literal(expected_node, env)
            entry = {
                "function": name,
                "args": source(args),
                "kwargs": source(kwargs),
                "expected": source(value),
            }
        except NotLiteral:
            return
        key = (entry["function"], entry["args"], entry["kwargs"])
        if key not in self.seen:
            self.seen.add(key)
            self.entries.append(entry)

    def assertion(self, node, env):
        """Records `node` when it is an assertion the table can answer."""
        if isinstance(node, ast.Assert) and isinstance(node.test, ast.Compare):
            test = node.test
            if len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
                left, right = test.left, test.comparators[0]
                self.record(left, right, env)
                self.record(right, left, env)
            return
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value
            if not isinstance(call.func, ast.Attribute):
                return
            method = call.func.attr
            if method in EQUAL_ASSERTIONS and len(call.args) >= 2:
                self.record(call.args[0], call.args[1], env)
                self.record(call.args[1], call.args[0], env)
            elif method in CONSTANT_ASSERTIONS and len(call.args) >= 1:
                self.record(call.args[0], None, env, CONSTANT_ASSERTIONS[method], constant=True)


def walk(statements, env, table):
    """Follows the statements in order, binding names to literals and recording assertions."""
    env = dict(env)
    for node in statements:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                bind(target, node.value, env)
            continue
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            bind(node.target, node.value, env)
            continue
        if isinstance(node, (ast.Assert, ast.Expr)):
            table.assertion(node, env)
            continue
        if isinstance(node, ast.For):
            try:
                values = literal(node.iter, env)
                iterable = list(values)[:MAX_CASES]
            except (NotLiteral, TypeError):
                iterable = None
            if iterable is None:
                walk(node.body, forget(node.target, env), table)
            else:
                for value in iterable:
                    inner = dict(env)
                    if assign(node.target, value, inner):
                        walk(node.body, inner, table)
            continue
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                walk(block, env, table)
        if isinstance(node, ast.Try):
            for handler in node.handlers:
                walk(handler.body, env, table)


def bind(target, value_node, env):
    try:
        value = literal(value_node, env)
    except NotLiteral:
        for name in names(target):
            env.pop(name, None)
        return
    if not assign(target, value, env):
        for name in names(target):
            env.pop(name, None)


def assign(target, value, env):
    """Binds `target` (a name or a tuple of names) to `value` in env; False when it cannot."""
    if isinstance(target, ast.Name):
        env[target.id] = value
        return True
    if isinstance(target, (ast.Tuple, ast.List)):
        try:
            values = list(value)
        except TypeError:
            return False
        if len(values) != len(target.elts):
            return False
        return all(assign(element, item, env) for element, item in zip(target.elts, values))
    return False


def names(target):
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in names(element)]
    return []


def forget(target, env):
    env = dict(env)
    for name in names(target):
        env.pop(name, None)
    return env


def parametrize_cases(function, env):
    """The name bindings of each case of `@pytest.mark.parametrize` decorators."""
    axes = []
    for decorator in function.decorator_list:
        if not (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == "parametrize"
            and len(decorator.args) >= 2
        ):
            continue
        try:
            argnames = literal(decorator.args[0], {})
            if isinstance(argnames, str):
                argnames = [name.strip() for name in argnames.split(",") if name.strip()]
            argnames = list(argnames)
        except NotLiteral:
            return []
        if not isinstance(decorator.args[1], (ast.List, ast.Tuple)):
            return []
        cases = []
        for element in decorator.args[1].elts:
            if (
                isinstance(element, ast.Call)
                and isinstance(element.func, ast.Attribute)
                and element.func.attr == "param"
            ):
                element = ast.Tuple(elts=list(element.args), ctx=ast.Load())
            try:
                value = literal(element, env)
            except NotLiteral:
                continue
            values = [value] if len(argnames) == 1 else value
            try:
                values = list(values)
            except TypeError:
                continue
            if len(values) == len(argnames):
                cases.append(dict(zip(argnames, values)))
        axes.append(cases)
    if not axes:
        return [{}]
    merged = []
    for combination in itertools.islice(itertools.product(*axes), MAX_CASES):
        case = {}
        for part in combination:
            case.update(part)
        merged.append(case)
    return merged


def module_env(tree):
    env = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                bind(target, node.value, env)
    return env


def functions(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def parse(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return ast.parse(handle.read(), filename=path)
    except Exception:  # noqa: BLE001 - a file that does not parse has nothing to give
        return None


def public_functions(paths):
    targets = set()
    for path in paths:
        tree = parse(path)
        if tree is None:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith("_"):
                targets.add(node.name)
    return targets


def build(code, tests):
    targets = public_functions(code)
    table = Table(targets)
    for path in tests:
        tree = parse(path)
        if tree is None:
            continue
        env = module_env(tree)
        for function in functions(tree):
            for case in parametrize_cases(function, env):
                walk(function.body, {**env, **case}, table)
    return {"targets": sorted(targets), "entries": table.entries}


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        request = json.load(handle)
    result = build(request.get("code", []), request.get("tests", []))
    with open(sys.argv[2], "w", encoding="utf-8") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
