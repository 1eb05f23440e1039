"""The adjudication engine (issue 15): rules are rows (``models.adjudication``), their logic pure
functions (``models.rules.adjudication``), their facts loaded set-based per lot (``facts``).

- ``intake.adjudicate_lot``: the receiver's one call; rules acting at intake glose there.
- ``analysis``: rules proposing at analysis start; the clerk confirms or removes with a reason.
- ``routing``: auto-adjudication of clean lots, sampling, four-eyes kept.
- ``figures``, ``simulation``: the dashboard's numbers and a rule tried over a past period.
"""
