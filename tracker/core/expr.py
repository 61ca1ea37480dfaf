"""Safe expressions for rule packs, with three-valued logic. No ``eval``.

An expression is parsed with :mod:`ast` and only a small whitelist of nodes is accepted:
``and or not``, comparisons (``== != < <= > >= in not in``), ``+ - * /``, names, literals,
lists, and the calls ``has('doc_kind')``, ``count('action_kind')`` and ``len(x)``.

Numbers in the expression become ``Decimal`` from their source text, so ``budget_wan <= 50``
compares exactly. A fact that is unknown (unset) makes every comparison it takes part in
*unknown*; ``and``/``or``/``not`` follow Kleene's logic, so ``classified or budget_wan > 50``
is true for a classified project even when its budget is not yet known. Evaluation reports
which unknown facts the result depended on, so a blocked action can say what is missing.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Mapping


class _Unknown:
    _inst = None

    def __new__(cls):
        if cls._inst is None:
            cls._inst = super().__new__(cls)
        return cls._inst

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:  # pragma: no cover - guards against accidental truthiness
        raise TypeError("UNKNOWN has no truth value; use is_true()/is_false()")


UNKNOWN = _Unknown()


class ExprError(Exception):
    """A malformed or disallowed expression (reported against the rule pack's file:line)."""


class ExprRuntimeError(Exception):
    """An expression failed on these facts (e.g. comparing text with a number)."""


_CMP = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_BIN = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}
FUNCTIONS = ("has", "count", "len")


@dataclass
class Env:
    """What an expression can see: facts and derived values, named conditions, functions."""

    values: Mapping[str, Any]
    conditions: Mapping[str, "Expr"] = field(default_factory=dict)
    has: Callable[[str], bool] = lambda kind: False
    count: Callable[[str], int] = lambda kind: 0
    _cache: dict = field(default_factory=dict)


class Expr:
    def __init__(self, source: str, known: set[str] | None = None, conditions: set[str] | None = None):
        self.source = str(source)
        try:
            tree = ast.parse(self.source.strip(), mode="eval")
        except SyntaxError as e:
            raise ExprError(f"syntax error in expression {self.source!r}: {e.msg}") from None
        self._src = self.source.strip()
        self.names: set[str] = set()
        self._check(tree.body, known, conditions or set())
        self.tree = tree.body

    # -- validation ---------------------------------------------------------------------
    def _check(self, node: ast.AST, known: set[str] | None, conditions: set[str]) -> None:
        if isinstance(node, ast.BoolOp):
            for v in node.values:
                self._check(v, known, conditions)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
            self._check(node.operand, known, conditions)
        elif isinstance(node, ast.Compare):
            for op in node.ops:
                if type(op) not in _CMP:
                    raise ExprError(f"operator not allowed in {self.source!r}")
            self._check(node.left, known, conditions)
            for c in node.comparators:
                self._check(c, known, conditions)
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BIN:
                raise ExprError(f"operator not allowed in {self.source!r}")
            self._check(node.left, known, conditions)
            self._check(node.right, known, conditions)
        elif isinstance(node, ast.Name):
            if known is not None and node.id not in known and node.id not in conditions:
                raise ExprError(f"unknown name {node.id!r} in {self.source!r}")
            self.names.add(node.id)
        elif isinstance(node, ast.Constant):
            if not isinstance(node.value, (int, float, str, bool, type(None))):
                raise ExprError(f"literal not allowed in {self.source!r}")
        elif isinstance(node, (ast.List, ast.Tuple)):
            for e in node.elts:
                self._check(e, known, conditions)
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords:
                raise ExprError(f"only has(), count() and len() may be called in {self.source!r}")
            if len(node.args) != 1:
                raise ExprError(f"{node.func.id}() takes one argument in {self.source!r}")
            arg = node.args[0]
            if node.func.id in ("has", "count"):
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                    raise ExprError(f"{node.func.id}() takes a quoted name in {self.source!r}")
            else:
                self._check(arg, known, conditions)
        else:
            raise ExprError(f"{type(node).__name__} not allowed in {self.source!r}")

    # -- evaluation ---------------------------------------------------------------------
    def evaluate(self, env: Env) -> tuple[Any, set[str]]:
        """Return (value, unknown facts the value depended on). Value may be UNKNOWN."""
        missing: set[str] = set()
        try:
            value = self._eval(self.tree, env, missing, ())
        except ExprRuntimeError:
            raise
        except (TypeError, ArithmeticError, ValueError) as e:
            raise ExprRuntimeError(f"{self.source!r}: {e}") from None
        if value is UNKNOWN:
            return UNKNOWN, missing
        return value, set()

    def _literal(self, node: ast.Constant) -> Any:
        v = node.value
        if isinstance(v, bool) or v is None or isinstance(v, str):
            return v
        dec = getattr(node, "_tracker_decimal", None)
        if dec is None:  # the exact decimal of the literal as written, computed once per node
            seg = ast.get_source_segment(self._src, node)
            dec = Decimal(seg if seg else repr(v))
            node._tracker_decimal = dec
        return dec

    def _eval(self, node, env: Env, missing: set[str], stack: tuple) -> Any:
        if isinstance(node, ast.Constant):
            return self._literal(node)
        if isinstance(node, ast.Name):
            name = node.id
            if name in env.conditions and name not in env.values:
                if name in stack:
                    raise ExprRuntimeError(f"condition {name!r} refers to itself")
                if name not in env._cache:
                    cond = env.conditions[name]
                    sub: set[str] = set()
                    val = cond._eval(cond.tree, env, sub, stack + (name,))
                    env._cache[name] = (val, sub)
                val, sub = env._cache[name]
                if val is UNKNOWN:
                    missing |= sub
                return val
            value = env.values.get(name)
            if value is None:
                missing.add(name)
                return UNKNOWN
            if isinstance(value, float):
                value = Decimal(repr(value))
            elif isinstance(value, int) and not isinstance(value, bool):
                value = Decimal(value)
            return value
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self._eval(e, env, missing, stack) for e in node.elts]
        if isinstance(node, ast.BoolOp):
            results = []
            for v in node.values:
                r = self._eval(v, env, missing, stack)
                results.append(_truth(r, self.source))
            if isinstance(node.op, ast.And):
                if any(r is False for r in results):
                    return False
                return UNKNOWN if any(r is UNKNOWN for r in results) else True
            if any(r is True for r in results):
                return True
            return UNKNOWN if any(r is UNKNOWN for r in results) else False
        if isinstance(node, ast.UnaryOp):
            r = self._eval(node.operand, env, missing, stack)
            if r is UNKNOWN:
                return UNKNOWN
            if isinstance(node.op, ast.Not):
                return not _truth(r, self.source)
            return -r
        if isinstance(node, ast.Compare):
            # `fact == None` / `fact != None` ask whether a fact is set: never unknown
            if (len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq))
                    and isinstance(node.comparators[0], ast.Constant) and node.comparators[0].value is None):
                sub: set[str] = set()
                v = self._eval(node.left, env, sub, stack)
                is_none = v is UNKNOWN or v is None
                return is_none if isinstance(node.ops[0], ast.Eq) else not is_none
            left = self._eval(node.left, env, missing, stack)
            result: Any = True
            for op, comp in zip(node.ops, node.comparators):
                right = self._eval(comp, env, missing, stack)
                if left is UNKNOWN or right is UNKNOWN or (isinstance(right, list) and UNKNOWN in right):
                    if result is not False:
                        result = UNKNOWN
                else:
                    if isinstance(op, (ast.In, ast.NotIn)) and not isinstance(right, (list, tuple, str, set, dict)):
                        raise ExprRuntimeError(f"{self.source!r}: 'in' needs a list")
                    if not _CMP[type(op)](left, right):
                        result = False
                left = right
            return result
        if isinstance(node, ast.BinOp):
            a = self._eval(node.left, env, missing, stack)
            b = self._eval(node.right, env, missing, stack)
            if a is UNKNOWN or b is UNKNOWN:
                return UNKNOWN
            return _BIN[type(node.op)](a, b)
        if isinstance(node, ast.Call):
            fn = node.func.id
            if fn == "has":
                return bool(env.has(node.args[0].value))
            if fn == "count":
                return Decimal(env.count(node.args[0].value))
            v = self._eval(node.args[0], env, missing, stack)
            return UNKNOWN if v is UNKNOWN else Decimal(len(v))
        raise ExprRuntimeError(f"cannot evaluate {self.source!r}")  # pragma: no cover


def _truth(value: Any, source: str) -> Any:
    if value is UNKNOWN or isinstance(value, bool):
        return value
    if isinstance(value, (list, str)):
        return bool(value)
    raise ExprRuntimeError(f"{source!r}: {value!r} is not true or false")


def is_true(v: Any) -> bool:
    return v is True


def is_false(v: Any) -> bool:
    return v is False
