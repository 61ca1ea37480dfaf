from decimal import Decimal

import pytest

from tracker.core.expr import UNKNOWN, Env, Expr, ExprError, ExprRuntimeError


@pytest.mark.parametrize("src", [
    "__import__('os').system('true')", "budget_wan.__class__", "(lambda: 1)()", "[x for x in y]",
    "open('f')", "budget_wan if True else 1", "a[0]", "f'{a}'", "budget_wan ** 2",
])
def test_disallowed_syntax(src):
    with pytest.raises(ExprError):
        Expr(src)


def test_unknown_name_rejected_at_load():
    with pytest.raises(ExprError, match="unknown name"):
        Expr("budjet_wan > 50", known={"budget_wan"})


def test_decimal_literals_are_exact():
    e = Expr("change_wan <= contract_wan * 0.1")
    assert e.evaluate(Env({"change_wan": Decimal("10"), "contract_wan": Decimal("100")}))[0] is True
    assert e.evaluate(Env({"change_wan": Decimal("10.000001"), "contract_wan": Decimal("100")}))[0] is False
    # with floats 0.1*3 != 0.3; with Decimal it is exact
    assert Expr("a * 0.1 == 0.3").evaluate(Env({"a": Decimal(3)}))[0] is True


def test_kleene_logic_and_missing_facts():
    e = Expr("classified or budget_wan > 50")
    assert e.evaluate(Env({"classified": True}))[0] is True
    v, missing = e.evaluate(Env({"classified": False}))
    assert v is UNKNOWN and missing == {"budget_wan"}
    assert Expr("classified and budget_wan > 50").evaluate(Env({"classified": False}))[0] is False
    assert Expr("not budget_wan > 50").evaluate(Env({}))[0] is UNKNOWN


def test_none_tests_presence():
    assert Expr("x != None").evaluate(Env({"x": "县政府"}))[0] is True
    assert Expr("x != None").evaluate(Env({}))[0] is False
    assert Expr("x == None").evaluate(Env({}))[0] is True


def test_type_errors_are_runtime_errors_not_crashes():
    with pytest.raises(ExprRuntimeError):
        Expr("title > 5").evaluate(Env({"title": "项目"}))


def test_functions():
    env = Env({}, has=lambda k: k == "contract", count=lambda k: 2 if k == "request_change" else 0)
    assert Expr("has('contract') and not has('plan')").evaluate(env)[0] is True
    assert Expr("count('request_change') < 1").evaluate(env)[0] is False
