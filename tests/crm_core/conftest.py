import pytest

from tests.sales_history import sales_history


@pytest.fixture
def sales(tenant_a):
    """Two reps' deals in October and November 2026 (tests/sales_history.py)."""
    return sales_history(tenant_a)
