from motcua.dossiers.tests.conftest import *  # noqa: F403 — clock, people, procedure, make_dossier
