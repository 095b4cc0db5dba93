import pytest

from motcua.exchange.client import CircuitBreaker


@pytest.fixture(autouse=True)
def _closed_circuits():
    CircuitBreaker.reset_all()
    yield
    CircuitBreaker.reset_all()
