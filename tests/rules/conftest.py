import pytest
from flask_babel import force_locale


@pytest.fixture(autouse=True)
def _english(app):
    """Rule messages are read in English here (outside a request the payer's default applies)."""
    with force_locale("en"):
        yield
