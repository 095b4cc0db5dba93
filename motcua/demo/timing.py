"""When things happen in the demo year: the days the dossiers arrive on (weekdays, months, the
rush before Tết) and the moments in and out of office hours, and the legal clock — appointments,
pauses, the steps' shares — on one frozen, memoised calendar (the same answers as
`dossiers.deadlines` and `dossiers.clock`, asked millions of times). Never for production.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache

from motcua.core import calendar
from motcua.dossiers import deadlines
from motcua.dossiers.services import is_transfer_step
from motcua.people.synthetic import pick_weighted, weighted_table

_MONTH_FACTOR = {1: 1.1, 2: 0.9, 3: 1.05, 7: 0.95, 10: 1.05, 11: 1.05, 12: 1.15}


class DemoTime:
    """Calendar helpers of `DemoGenerator`, cached. They read what its `__init__` sets: `rng`, `tz`,
    `until`, `n`, `cal`, `office`, `_sessions`, `_due_cache`, `_steps_cache`, `workflow`,
    `transfer_cutoff`."""

    # -- calendar helpers, cached ------------------------------------------------------------

    @cache  # noqa: B019 — one generator per run; the cache dies with it
    def is_working(self, d: date) -> bool:
        return self.cal.is_working_day(d)

    @cache  # noqa: B019
    def add_wd(self, d: date, n: int) -> date:
        return self.cal.add_working_days(d, n)

    def working_on_or_after(self, d: date) -> date:
        return d if self.is_working(d) else self.add_wd(d, 1)

    def office_moment(self, d: date) -> datetime:
        """A random moment inside office hours of day d (morning busier), to the second."""
        rng = self.rng
        morning, afternoon = self._sessions
        first, low, high, c = morning if rng.random() < 0.58 or afternoon is None else afternoon
        # Triangular: fewer dossiers in the first and last minutes of a session. This is
        # rng.triangular(low, high, mode) with its (mode - low) / (high - low) computed once.
        u = rng.random()
        if c is None:
            offset = low
        elif u > c:
            offset = high + (low - high) * math.sqrt((1.0 - u) * (1.0 - c))
        else:
            offset = low + (high - low) * math.sqrt(u * c)
        minute = first + int(offset)
        return datetime.combine(d, time(minute // 60, minute % 60, rng.randrange(60)), tzinfo=self.tz)

    @staticmethod
    def _session(start: time, end: time) -> tuple:
        """(first minute, low, high, triangular c) of an office session, for office_moment."""
        first = start.hour * 60 + start.minute
        span = end.hour * 60 + end.minute - first
        low, high, mode = 3, span - 3, span * 0.4
        return first, low, high, (mode - low) / (high - low) if high != low else None

    def online_moment(self, d: date) -> datetime:
        """Online submissions: day and evening, peaks mid-morning and after dinner."""
        hour = pick_weighted(self.rng, self._online_hours)
        return datetime.combine(d, time(hour, self.rng.randrange(60), self.rng.randrange(60)), tzinfo=self.tz)

    _online_hours = weighted_table(
        [(h, w) for h, w in zip(range(24), [1, 1, 1, 1, 1, 2, 4, 7, 10, 11, 10, 8, 6, 7, 9, 9, 8, 7, 6, 8,
                                             9, 8, 5, 2], strict=True)]
    )  # fmt: skip

    def later(self, t: datetime, min_wd: int, max_wd: int) -> datetime:
        """A moment in office hours min..max working days after t (same day if 0), after t."""
        local = t.astimezone(self.tz)
        k = self.rng.randint(min_wd, max_wd)
        day = self.add_wd(local.date(), k) if k else self.working_on_or_after(local.date())
        moment = self.office_moment(day)
        if moment <= local:
            close = datetime.combine(day, self.office[-1][1], tzinfo=self.tz)
            moment = local + timedelta(minutes=self.rng.randint(5, 60), seconds=self.rng.randrange(60))
            if moment > close:
                moment = self.office_moment(self.add_wd(day, 1))
        return moment

    def due(self, received_at: datetime, amount, unit: str, procedure) -> tuple[datetime, datetime] | None:
        """(counting_start, due_at) by deadlines.compute_due, cached per (day, cut-off side, amount, unit)."""
        if amount is None or unit not in deadlines.SUPPORTED_UNITS:
            return None
        local = received_at.astimezone(self.tz)
        cutoff = getattr(procedure, "reception_cutoff", None)
        if unit == calendar.WORKING_HOURS:
            key = (local, amount, unit, cutoff)
        else:
            limit = calendar.parse_time(cutoff) if cutoff else self.cal.cutoff
            day = local.date()
            in_time = self.is_working(day) and local.time() <= limit
            # Received after the cut-off or on a day off counts from the next working day: every
            # such moment up to that day has the same answer (and it never starts at receipt).
            key = (day if in_time else self.add_wd(day, 1), in_time, amount, unit, cutoff)
        hit = self._due_cache.get(key)
        if hit is None:
            # deadlines.compute_due, on this generator's calendar instance.
            due = self.cal.due_at(received_at, amount, unit, cutoff=cutoff)
            hit = (due.counting_start, due.due_at, due.counting_start == local)
            self._due_cache[key] = hit
        start, due_at, start_is_receipt = hit
        return (local if start_is_receipt else start), due_at

    def shift_by_pause(self, due_at, paused_at, resumed_at):
        """`deadlines.shift_by_pause` on this generator's calendar instance (no settings re-read)."""
        hours = self.cal.working_hours_between(paused_at, resumed_at)
        if hours <= 0 or due_at is None:
            return due_at
        return self.cal.add_working_hours(due_at, hours)

    def plan_steps(
        self, start: datetime, amount, unit, received_at: datetime
    ) -> list[tuple[Decimal, datetime | None]]:
        """As `dossiers.clock.plan_steps`: the transfer step is anchored at receipt and takes no share;
        the other steps split the whole legal time, the last one taking what rounding left."""
        key = (start, amount, unit, self.transfer_due(received_at))
        hit = self._steps_cache.get(key)
        if hit is None:
            total = deadlines.legal_hours(amount, unit) or Decimal(0)
            shares = {
                position: Decimal(str(share))
                for position, (_name, role, _where, share) in enumerate(self.workflow, start=1)
                if not is_transfer_step(position, role)
            }
            weight = sum(shares.values()) or Decimal(1)
            hours_of = {p: (total * share / weight).quantize(Decimal("0.01")) for p, share in shares.items()}
            if hours_of:
                last = max(hours_of)
                hours_of[last] = total - sum(h for p, h in hours_of.items() if p != last)
            cursor, hit = start, []
            for position in range(1, len(self.workflow) + 1):
                if position in hours_of:
                    hours = hours_of[position]
                    step_due = self.cal.add_working_hours(cursor, hours) if hours > 0 else None
                    if step_due is not None:
                        cursor = step_due
                else:
                    hours, step_due = Decimal(0), key[3]
                hit.append((hours, step_due))
            self._steps_cache[key] = hit
        return hit

    def transfer_due(self, received_at: datetime) -> datetime:
        """`deadlines.transfer_due` (NĐ 61/2018 Art 18) on this generator's calendar instance."""
        day = self.cal.local_date(received_at)
        if self.is_working(day) and received_at.astimezone(self.cal.tz).time() <= self.transfer_cutoff:
            return self.cal.closing_time(day)
        return self.cal.office_intervals(self.cal.next_working_day(day))[0][0]

    # -- the year ----------------------------------------------------------------------------

    def day_weights(self) -> list[tuple[date, float]]:
        first = self.until - timedelta(days=365)
        days = [first + timedelta(days=i) for i in range(365)]
        tet = sorted(d for d in days if (o := self.cal.override(d)) is not None and "Tết Nguyên" in o.name)
        out = []
        for d in days:
            if self.is_working(d):
                w = {0: 1.15, 4: 0.95}.get(d.weekday(), 1.0)
            else:
                w = 0.06 if d.weekday() == 5 else 0.03  # online only
            w *= _MONTH_FACTOR.get(d.month, 1.0)
            if tet:
                before = (tet[0] - d).days
                after = (d - tet[-1]).days
                if 0 < before <= 18:
                    w *= 1.4  # the rush before Tết
                elif 0 < after <= 10:
                    w *= 0.7  # the slow restart after Tết
            out.append((d, w))
        return out

    def allocate(self) -> list[tuple[date, int]]:
        weights = self.day_weights()
        total = sum(w for _, w in weights)
        exact = [(d, self.n * w / total) for d, w in weights]
        counts = {d: int(x) for d, x in exact}
        rest = self.n - sum(counts.values())
        for d, _x in sorted(exact, key=lambda p: (-(p[1] - int(p[1])), p[0]))[:rest]:
            counts[d] += 1
        return [(d, counts[d]) for d, _ in weights if counts[d]]
