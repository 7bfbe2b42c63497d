import pytest

from helpers import ServerError, connect


@pytest.fixture(scope="session")
def chat():
    """The chat server the suite runs against (the embedded one under `make test`)."""
    try:
        return connect("chat", quiet=True)
    except ServerError as exc:
        pytest.fail(f"{exc}", pytrace=False)
