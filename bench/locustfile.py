"""A mixed day on motcua, for locust (run by `python -m bench load`, never on its own over a network).

Who comes, in what proportion (the weights): citizens browsing, searching and tracking; signed-in
citizens reading their page and "Dành cho bạn" and submitting a procedure online; officers working
their queues and opening dossiers; connected systems on the REST API; monitors on the dashboard.
Every request checks its answer (status and a word of the page): a sign-in redirect or an error page
counts as a failure, never as a fast answer. Each simulated person comes from its own address
(X-Forwarded-For, as the documented reverse proxy sets it), so the per-client rate limits apply to
each as they would in production. Inputs come from the JSON file named by MOTCUA_LOAD_INPUTS.
"""

import itertools
import json
import os
import random
import re

from locust import HttpUser, between, task

INPUTS = json.loads(open(os.environ["MOTCUA_LOAD_INPUTS"], encoding="utf-8").read())  # noqa: SIM115
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_FIELD = re.compile(r'<input type="(?:text|tel|email|date)" name="([a-z_]+)" id="[^"]+" value="([^"]*)"')
_addresses = (f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}" for n in itertools.count(1))
_residents = itertools.cycle(INPUTS["residents"])


def _expect(response, status: int, word: str | None = None) -> None:
    """Mark the answer failed unless it has the status (no redirect followed) and the word."""
    if response.status_code != status:
        response.failure(f"HTTP {response.status_code}, expected {status}")
    elif word is not None and word not in response.text:
        response.failure(f"{word!r} not in the answer")
    else:
        response.success()


class Visitor(HttpUser):
    """Base: a distinct client address per simulated person."""

    abstract = True
    wait_time = between(1, 3)

    def on_start(self):
        self.client.headers["X-Forwarded-For"] = next(_addresses)

    def get(self, url: str, name: str, word: str | None = None, status: int = 200):
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as response:
            _expect(response, status, word)
            return response


class Citizen(Visitor):
    """Anonymous: the home page, the catalogue, search, a procedure page, tracking a dossier."""

    weight = 10

    @task(3)
    def home(self):
        self.get("/", "GET /")

    @task(3)
    def search(self):
        word = random.choice(INPUTS["searches"])
        self.get(f"/tim-kiem/?q={word}", "GET /tim-kiem/?q=")

    @task(4)
    def procedure(self):
        code = random.choice(INPUTS["procedures"])
        self.get(f"/thu-tuc/{code}/", "GET /thu-tuc/<code>/", code)

    @task(2)
    def track(self):
        # Each lookup is another passer-by: one simulated user makes ~15 lookups in 5 minutes, which
        # from one address the lookup's rate limit (MOTCUA_LOOKUP_RATE, 20 per 10 minutes) rightly
        # treats as enumeration and refuses with 429.
        self.client.headers["X-Forwarded-For"] = next(_addresses)
        dossier = random.choice(INPUTS["tracked"])
        page = self.get(f"/tra-cuu/{dossier['code']}/", "GET /tra-cuu/<code>/")
        token = _CSRF.search(page.text)
        if token is None:
            return
        with self.client.post(
            f"/tra-cuu/{dossier['code']}/",
            data={"csrfmiddlewaretoken": token.group(1), "so_giay_to": dossier["id_number"]},
            name="POST /tra-cuu/<code>/",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            _expect(response, 200, dossier["code"])

    @task(1)
    def healthz(self):
        """The reference measured in the same run: the lightest answer the server gives."""
        self.get("/healthz", "GET /healthz (reference)")


class SignedInCitizen(Visitor):
    """A resident signed in with the eID: their page, suggestions, and a whole online submission."""

    weight = 4

    def on_start(self):
        super().on_start()
        self.client.cookies.set("sessionid", next(_residents))

    @task(3)
    def mine(self):
        self.get("/cua-toi/", "GET /cua-toi/")

    @task(2)
    def for_you(self):
        self.get("/danh-cho-ban/", "GET /danh-cho-ban/")

    @task(1)
    def submit(self):
        start = self.get(INPUTS["form_start"], "GET /nop-ho-so/<code>/ (start)", status=302)
        if start.status_code != 302:
            return
        page1 = start.headers["Location"]
        page = self.get(page1, "GET form page 1 (prefilled)", "Đã điền sẵn từ")
        token = _CSRF.search(page.text)
        if token is None:
            return
        values = dict(_FIELD.findall(page.text))
        values.setdefault("phone", "")
        values["permanent_address"] = values.get("permanent_address") or "Sơn La"
        values["csrfmiddlewaretoken"] = token.group(1)
        steps = [
            (page1, values, "POST form page 1"),
            (None, {"csrfmiddlewaretoken": token.group(1), **INPUTS["form_page2"]}, "POST form page 2"),
            (None, {"csrfmiddlewaretoken": token.group(1)}, "POST submit"),
        ]
        location = page1
        for url, data, name in steps:
            with self.client.post(
                url or location, data=data, name=name, allow_redirects=False, catch_response=True
            ) as response:
                _expect(response, 302)
                if response.status_code != 302:
                    return
                location = response.headers["Location"]
        self.get(location, "GET receipt", "dossier-code")


class Officer(Visitor):
    """An officer (second factor verified) on their work queues and dossiers."""

    weight = 4

    def on_start(self):
        super().on_start()
        self.client.cookies.set("sessionid", random.choice(INPUTS["officers"]))

    @task(4)
    def queue(self):
        self.get("/can-bo/", "GET /can-bo/ (my work)")

    @task(2)
    def named_queue(self):
        slug = random.choice(INPUTS["queues"])
        self.get(f"/can-bo/hang/{slug}/", "GET /can-bo/hang/<queue>/")

    @task(3)
    def dossier(self):
        code = random.choice(INPUTS["officer_dossiers"])
        self.get(f"/can-bo/ho-so/{code}/", "GET /can-bo/ho-so/<code>/")


class Monitor(Visitor):
    """A monitor of the provincial committee on the QĐ 766 dashboard."""

    weight = 1

    def on_start(self):
        super().on_start()
        self.client.cookies.set("sessionid", INPUTS["monitor"])

    @task
    def dashboard(self):
        self.get("/can-bo/giam-sat/", "GET /can-bo/giam-sat/")


class ConnectedSystem(Visitor):
    """A connected agency system on the REST API with client credentials."""

    weight = 2

    def on_start(self):
        super().on_start()
        response = self.client.post(
            "/api/v1/oauth/token",
            data={"grant_type": "client_credentials", "scope": "dossiers:read procedures:read"},
            auth=(INPUTS["api_client"], INPUTS["api_secret"]),
            name="POST /api/v1/oauth/token",
        )
        self.client.headers["Authorization"] = f"Bearer {response.json().get('access_token', '')}"

    @task(3)
    def dossiers(self):
        self.get("/api/v1/dossiers?limit=20", "GET /api/v1/dossiers")

    @task(2)
    def procedures(self):
        self.get("/api/v1/procedures?q=khai+sinh", "GET /api/v1/procedures")
