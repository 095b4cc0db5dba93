"""Services that come to the citizen (dịch vụ công chủ động, NĐ 224/2026 Điều 16–19), floor 5.

Trigger kinds are data (data/foryou/triggers.json → TriggerKind rows): the rule, the lead time,
the suggested procedure(s), the level (1 reminder, 2 with a prefilled draft, 3 with the channels
compared) and the legal basis for using the data. `engine.evaluate()` reads only the person's own
records in the registries and the province's dossiers; `services` records what was shown (with
its inputs and rule version), dismissals, refusals and consents; `nightly` is the worker's pass.
"""
