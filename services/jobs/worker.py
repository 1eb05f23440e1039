"""The Celery worker's and beat's entry point (Flask's pattern):
``celery -A services.jobs.worker worker`` and ``celery -A services.jobs.worker beat``."""
from app import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
