"""Rule simulation as a background job: the admin's request checks the rule and the period and
queues the job; the job reads the period's guides in keyset chunks (``simulation.simulate``),
counting "guides evaluated of total" as it goes, and keeps the result per provider (guides and
money) on the job row, where the page shows it. Reading only, so running it twice is harmless."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from models import AdjudicationRule, Job
from models.base import db
from models.permissions import can
from services.adjudication import simulation
from services.adjudication.errors import AdjudicationError
from services.jobs import runner, store

KIND = "rule_simulation"


def start(rule_id: int | None, start_day: date | None, end_day: date | None, actor) -> Job:
    """Queue the simulation of a saved rule over [start_day, end_day] (sent when the caller commits)."""
    if not can(actor, "simulate", "adjudication_rule"):
        raise AdjudicationError("forbidden")
    rule = db.session.get(AdjudicationRule, rule_id) if rule_id else None
    if rule is None:
        raise AdjudicationError("kind", "rule_id")
    simulation.check_period(start_day, end_day)
    return store.enqueue(simulation_task, KIND, actor, message=rule.name or "",
                         params={"rule_id": rule.id, "start": start_day.isoformat(), "end": end_day.isoformat()})


def get(user, job_id: int | None) -> Job | None:
    """The user's simulation job ``job_id`` (404 when not theirs to see), None for no id or another kind."""
    if job_id is None:
        return None
    job = store.get_job(user, job_id)
    return job if job.kind == KIND else None


def result_of(job: Job) -> dict | None:
    """The finished simulation of ``job`` as the page shows it (amounts back to Decimal), else None."""
    if job.kind != KIND or not job.result or "providers" not in job.result:
        return None
    out = dict(job.result)
    out["providers"] = [{**p, "amount": Decimal(p["amount"])} for p in job.result["providers"]]
    out["amount"] = Decimal(job.result["amount"])
    return out


def _work(job: Job) -> tuple[dict, str | None]:
    params = job.params
    rule = db.session.get(AdjudicationRule, params["rule_id"])
    if rule is None:
        raise AdjudicationError("kind", "rule_id")
    start_day, end_day = date.fromisoformat(params["start"]), date.fromisoformat(params["end"])
    store.progress(job, 0, simulation.guides_in(start_day, end_day))
    db.session.commit()

    def counted(read: int) -> None:
        store.progress(job, read, max(job.total, read))
        db.session.commit()

    result = simulation.simulate(simulation.rule_from_form(rule), start_day, end_day, on_chunk=counted)
    store.progress(job, result.guides_read, result.guides_read)
    return {"rule": rule.name, "start": params["start"], "end": params["end"], "guides_read": result.guides_read,
            "guides": result.guides, "amount": str(result.amount),
            "providers": [{"provider": p.provider, "guides": p.guides, "amount": str(p.amount)}
                          for p in result.providers]}, None


@runner.job_task(KIND)
def simulation_task(self, job_id: int) -> None:
    runner.run(self, job_id, _work)
