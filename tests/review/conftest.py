"""The database-level tests run on SQLite and on PostgreSQL."""

import pytest

from review.db import make_engine
from review.queue import ReviewQueue


@pytest.fixture
def queue(database_url):
    engine = make_engine(database_url)
    yield ReviewQueue(engine)
    engine.dispose()
