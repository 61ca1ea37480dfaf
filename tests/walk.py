"""Walk a case along its track to the end, supplying whatever each step says is missing."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

from tracker import services
from tracker.core import engine

FORWARD = ("submit", "approve", "complete")

DEFAULT_FACTS = {
    "contract_wan": "90", "completed_on": "2025-06-30", "accepted_on": "2025-09-30", "in_operation_on": "2025-10-08",
    "budget_wan": "100", "category": "professional", "change_reason": "optimization", "new_total_wan": "90",
    "change_wan": "5", "software_cost_wan": "30", "security_level": "2", "preliminary_accepted_on": "2025-07-15",
    "approved_estimate_wan": "100", "planned_start": "2025-04-01", "planned_end": "2025-12-31",
}


def walk(store, case_id: str, tmp: Path, *, on: _dt.date = _dt.date(2025, 3, 3), max_steps: int = 40,
         prefer: tuple[str, ...] = FORWARD) -> list[str]:
    """Advance until the case ends; return the stage kinds visited (including the last)."""
    visited = []
    for _ in range(max_steps):
        ld = services.load(store, case_id, on)
        visited.append(ld.view.stage.kind)
        if ld.view.ended:
            return visited
        opts = engine.list_actions(ld.view, on=on)
        fwd = [o for o in opts if o.kind in prefer]
        assert fwd, f"no forward action at {ld.view.stage_id}: {[o.id for o in opts]}"
        opt = fwd[0]
        for m in opt.missing:
            if m.type == "document":
                f = tmp / f"{case_id}-{m.id}.txt"
                f.write_text(f"{m.id} 材料\n", encoding="utf-8")
                services.attach(store, case_id, f, m.id, on=on)
            elif m.type == "fact":
                services.set_facts(store, case_id, [f"{m.id}={DEFAULT_FACTS.get(m.id, 'true')}"], on=on)
        services.advance(store, case_id, opt.id, opinion="同意", on=on, historical=True)
    raise AssertionError(f"did not end within {max_steps} steps: {visited}")
