"""The TISS clinic of tests/tiss, reused: lots go through the real receiver."""
from tests.tiss.conftest import _english, clinic, tiss_schemas  # noqa: F401
