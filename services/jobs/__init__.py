"""Background jobs: long work (bulk TISS intake, emails, housekeeping) runs in Celery workers on Redis.

- ``queue``: the Celery app (Flask's pattern: ``celery_init_app`` in ``create_app``), inline when no
  broker is configured, and tasks sent only once the transaction that asked for them commits;
- ``store``: the ``Job`` rows users follow (state, "37 of 120 files", result, reason of a failure),
  who sees which (``services.visibility``), result files kept ``JOB_RESULT_HOURS``;
- ``runner``: what every job task does around its work (claim, retries with backoff, visible failure).
"""
