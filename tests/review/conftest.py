"""The database-level tests run on SQLite and on PostgreSQL."""

import pytest

from review.db import make_engine
from review.queue import ReviewQueue


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def queue(engine):
    return ReviewQueue(engine)
