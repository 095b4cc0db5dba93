"""What every bench does with what it times: check it, and say NOT MEASURED when nothing was timed.

A bench that times a redirect to the sign-in page, an error page or an empty answer measures
nothing; `checked` makes such an answer stop the bench, and `goal_line` never calls a goal met on
no figures.
"""


class BenchCheckFailed(AssertionError):
    """A timed request or call did not give what the bench expected: its figure means nothing."""


def checked(response, *, expect: str | bytes | None = None, status: int = 200, what: str = ""):
    """`response` (Django test Client or requests) when it has `status` and contains `expect`."""
    code = getattr(response, "status_code", None)
    where = what or getattr(response, "url", "") or getattr(getattr(response, "request", None), "path", "")
    if code != status:
        location = ""
        headers = getattr(response, "headers", {}) or {}
        if "Location" in headers:
            location = f" → {headers['Location']}"
        raise BenchCheckFailed(f"{where}: HTTP {code}{location}, expected {status}")
    if expect is not None:
        body = response.content if isinstance(expect, bytes) else _text(response)
        if expect not in body:
            raise BenchCheckFailed(f"{where}: HTTP {code} but {expect!r} is not in the answer")
    return response


def _text(response) -> str:
    text = getattr(response, "text", None)
    if isinstance(text, str):
        return text
    return response.content.decode(getattr(response, "charset", None) or "utf-8", "replace")


def goal_line(goal: str, values: list, met) -> str:
    """`goal: MET / NOT MET (...)`, or `NOT MEASURED` when `values` is empty (nothing was timed).

    `met` is called only when something was measured: met(values) -> (bool, detail)."""
    if not values:
        return f"goal ({goal}): NOT MEASURED (nothing was timed)"
    ok, detail = met(values)
    return f"goal ({goal}): {'MET' if ok else 'NOT MET'} ({detail})"
