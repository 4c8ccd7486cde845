"""The one error a bench run stops with: a message saying why there is no figure, exit 1."""


class BenchError(RuntimeError):
    """The run gives no figure: said in one message, and the bench exits 1."""
