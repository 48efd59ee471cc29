"""The eligibility engine: pure rules over plain data, keyed by the ids of the domain brief.

No Flask, no database session: `evaluate(snapshot, context)` reads a submission snapshot (or a
draft shaped the same way) and returns one outcome per enabled rule with the values it used.
The same engine gives the applicant's pre-check and the official report.
"""

from portal.eligibility.engine import FAIL, PASS, REVIEW, Outcome, Report, evaluate, grant

__all__ = ["FAIL", "PASS", "REVIEW", "Outcome", "Report", "evaluate", "grant"]
