"""A synthetic district, generated resident by resident as rows for COPY.

Rows are produced in the order the app would have written them for one resident (check-ins,
credits, redemptions and the yearly expiry job interleaved in time), because the ledger is
a hash chain per resident: each entry's hash needs the previous one, its balance and its
transaction's id. Ids are assigned here, not by the database, so a single pass can write
every table at once. ``bench/ledger.py`` keeps each account the way ``points.service`` does,
hashing with the app's own code, so ``flask points verify`` accepts the result.

Shape (full scale 1.0 = 1,000,000 residents, ~20M check-ins, ~40M ledger entries, 100
centers, 10 years): centers of uneven size; many small lectures and a few big ones (a
log-normal popularity); ~15% chronic residents who come to a follow-up session most
months; a few keen participants and many occasional ones; desk staff registering the
residents without WeChat; about half the residents redeeming gifts; paper point cards
credited by managers; and every January the expiry job clearing the points earned two
years before (the app's default ``end_of_next_year`` policy).
"""

from __future__ import annotations

import bisect
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import accumulate

from bench.desk import Desk
from bench.ledger import DAY, LOCAL, YEAR, Ids, Ledger, Out, iso, month_of, new_year, year_of
from events.models import CHECKIN_REASONS
from points.rules import DEFAULT_POINTS

CARD_REASON = "补录纸质积分卡"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "秀英桂兰玉珍建国伟强军华明丽芳敏静志刚红霞海燕春梅淑珍德福"
CONDITIONS = ("hypertension", "type2_diabetes", "hyperlipidemia", "coronary_heart_disease")


@dataclass
class Center:
    id: int
    desk: list[int]
    manager: int
    weight: float
    #: Lectures, consultations, screenings, re-visits: starts (sorted), cumulative weights.
    starts: list[int] = field(default_factory=list)
    cum: list[float] = field(default_factory=list)
    events: list[tuple[int, str, int | None]] = field(default_factory=list)
    #: Follow-up sessions by local month number: ``[(event_id, start)]``.
    followups: dict[int, list[tuple[int, int]]] = field(default_factory=dict)


class District:
    """Everything but the residents; then ``resident()`` writes one resident's history."""

    def __init__(self, scale: float, end: int, seed: int, out: Out, password_hash: str) -> None:
        self.rng = random.Random(seed)
        self.out, self.end, self.start = out, end, end - 10 * YEAR
        today = datetime.fromtimestamp(end + LOCAL, UTC)
        #: The counters the nightly ``flask points prune-counters`` leaves, and when their
        #: periods began: today's and this month's.
        midnight = (end + LOCAL) // DAY * DAY - LOCAL
        self.live_counters = (
            (f"D{today:%Y-%m-%d}", midnight),
            (f"M{today:%Y-%m}", midnight - (today.day - 1) * DAY),
        )
        self.ids = Ids()
        self.residents = max(200, round(1_000_000 * scale))
        self.centers = self._staff_and_centers(max(4, round(100 * scale)), password_hash)
        self.center_cum = list(accumulate(center.weight for center in self.centers))
        self.desk = Desk(self.rng, self.ids, out, self.start)
        self._events()

    def _staff_and_centers(self, count: int, password_hash: str) -> list[Center]:
        rng, out, created = self.rng, self.out, iso(self.start)
        staff_id, centers = 0, []
        for role, username in (("admin", "admin"), ("manager", "district1")):
            staff_id += 1
            out("staff", staff_id, username, password_hash, username, role, None, "t", created)
        for center_id in range(1, count + 1):
            out("centers", center_id, f"第{center_id}社区卫生服务中心", None, created)
            members = []
            for role, n in (("manager", 1), ("staff", 3)):
                for k in range(1, n + 1):
                    staff_id += 1
                    name = f"c{center_id}-{role}{k}"
                    out("staff", staff_id, name, password_hash, name, role, center_id, "t", created)
                    members.append(staff_id)
            weight = rng.lognormvariate(0, 0.5)
            centers.append(Center(center_id, members[1:], members[0], weight))
        return centers

    def _events(self) -> None:
        """A timetable per center: follow-up sessions twice a week, other events at random."""
        rng, event_id = self.rng, 0
        first_day = (self.start + LOCAL) // DAY + 1
        last_day = (self.end + LOCAL) // DAY - 1
        for center in self.centers:
            for day in range(first_day, last_day):
                weekday = (day + 3) % 7  # 1970-01-01 was a Thursday: Monday is 0
                if weekday >= 5:
                    continue
                planned = [("followup", 8.5, 1.0)] if weekday in (1, 3) else []
                if rng.random() < 0.4:
                    planned.append(("lecture", 14.5, rng.lognormvariate(0, 1.2)))
                if rng.random() < 0.2:
                    planned.append(("consultation", 9.0, 0.5 * rng.lognormvariate(0, 0.5)))
                if rng.random() < 0.05:
                    planned.append(("screening", 9.0, 3 * rng.lognormvariate(0, 0.5)))
                if rng.random() < 0.1:
                    planned.append(("revisit", 10.0, 0.7))
                for kind, hour, weight in planned:
                    event_id += 1
                    start = day * DAY - LOCAL + int(hour * 3600)
                    points = 20 if weight > 6 else None  # the few big lectures are worth more
                    self._event(center, event_id, kind, start, points)
                    if kind == "followup":
                        center.followups.setdefault(month_of(start), []).append((event_id, start))
                    else:
                        center.starts.append(start)
                        center.cum.append((center.cum[-1] if center.cum else 0) + weight)
                        center.events.append((event_id, kind, points))

    def _event(self, center: Center, event_id: int, kind: str, start: int, points: int | None):
        title = {
            "followup": "慢病随访门诊",
            "lecture": "健康大讲堂",
            "consultation": "义诊咨询",
            "screening": "免费健康筛查",
            "revisit": "复诊日",
        }[kind]
        end = start + 5400
        self.out(
            "events",
            event_id,
            center.id,
            f"{title} #{event_id}",
            kind,
            "社区活动室",
            iso(start),
            iso(end),
            iso(start - 1800),
            iso(end + 1800),
            points,
            None,
            0,
            None,
            center.desk[0],
            iso(start - 7 * DAY),
        )

    def resident(self, resident_id: int) -> None:
        rng, out = self.rng, self.out
        center = rng.choices(self.centers, cum_weights=self.center_cum)[0]
        joined = self.end - int(10 * YEAR * rng.random() ** 1.3)
        wechat = rng.random() < 0.85
        registrar = None if wechat else rng.choice(center.desk)
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=2))
        out(
            "residents",
            resident_id,
            f"bench-{resident_id}" if wechat else None,
            None,
            name,
            f"1{rng.randrange(30, 90)}{rng.randrange(10**8):08d}",
            center.id,
            registrar,
            iso(joined),
            f"{rng.getrandbits(128):032x}",
        )
        visits = self._visits(center, joined)
        chronic = rng.random() < 0.15
        if chronic:
            self.condition = rng.choice(CONDITIONS)
            visits += self._followups(resident_id, center, joined)
        visits.sort()
        ledger = Ledger(self.ids, self.out, resident_id)
        plan: list[tuple[int, int, tuple]] = [(t, 0, v) for t, *v in visits]
        years = (self.end - joined) / YEAR
        for _ in range(_poisson(rng, 1.6 * years)):
            plan.append((rng.randrange(joined, self.end - 3600), 1, ()))
        if rng.random() < 0.5:
            for _ in range(_poisson(rng, 1.2 * years)):
                plan.append((rng.randrange(joined, self.end - 3600), 2, ()))
        for year in range(year_of(joined) + 2, year_of(self.end) + 1):
            plan.append((new_year(year) + 300, 3, (new_year(year),)))
        plan.sort()
        counters: dict[tuple[str, str], int] = defaultdict(int)
        for at, what, args in plan:
            if what == 0:
                event_id, kind, points = args
                amount = self._checkin(ledger, center, at, event_id, kind, points)
                for period, began in self.live_counters:
                    if at >= began:
                        counters[(kind, period)] += amount
            elif what == 1:
                source = ("adjustment", None, CARD_REASON, center.id, "staff", center.manager)
                ledger.credit(at, "adjust", rng.choice((5, 10, 20, 30)), source)
            elif what == 2:
                self.desk.redeem(ledger, center, at)
            else:
                ledger.expire(at, args[0])
        for (kind, period), points in counters.items():
            out("earning_counters", resident_id, kind, period, points)
        if chronic:
            self._conditions(resident_id, center, joined)
        ledger.close()

    def _visits(self, center: Center, joined: int) -> list[tuple[int, int, str, int | None]]:
        """Lectures and the like, drawn by popularity; most residents come rarely, a few often."""
        rng = self.rng
        first = bisect.bisect_left(center.starts, joined)
        available = len(center.starts) - first
        rate = rng.lognormvariate(0, 1.1) * 1.7
        count = min(_poisson(rng, rate * (self.end - joined) / YEAR), available // 4)
        low = center.cum[first - 1] if first else 0.0
        chosen: set[int] = set()
        for _ in range(count * 20):  # draws by weight repeat: stop trying after a while
            if len(chosen) == count:
                break
            chosen.add(bisect.bisect_left(center.cum, rng.uniform(low, center.cum[-1])))
        visits = []
        for index in chosen:
            event_id, kind, points = center.events[index]
            visits.append(
                (center.starts[index] + rng.randrange(-1500, 3600), event_id, kind, points)
            )
        return visits

    def _followups(self, resident_id: int, center: Center, joined: int) -> list[tuple]:
        """A chronic resident comes to a follow-up session most months (a follow-up row each)."""
        rng, visits = self.rng, []
        for month in range(month_of(joined) + 1, month_of(self.end)):
            sessions = center.followups.get(month)
            if sessions and rng.random() < 0.8:
                event_id, start = rng.choice(sessions)
                visits.append((start + rng.randrange(-1500, 3600), event_id, "followup", None))
        return visits

    def _checkin(
        self, ledger: Ledger, center: Center, at: int, event_id: int, kind: str, points: int | None
    ) -> int:
        rng, ids, out = self.rng, self.ids, self.out
        checkin_id = ids.next("checkin")
        staff = rng.choice(center.desk) if rng.random() < 0.1 else None
        method = "staff" if staff else "self"
        out(
            "checkins",
            checkin_id,
            event_id,
            ledger.resident_id,
            method,
            staff,
            iso(at),
            None,
            None,
            None,
        )
        out(
            "scan_attempts",
            ids.next("scan"),
            iso(at),
            event_id,
            ledger.resident_id,
            "checked_in",
            method,
            staff,
            f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            "Mozilla/5.0 MicroMessenger/8.0" if not staff else "desk",
        )
        if kind == "followup":
            due = datetime.fromtimestamp(at + LOCAL, UTC).date().replace(day=1)
            out(
                "followups",
                ids.next("followup"),
                ledger.resident_id,
                center.id,
                self.condition,
                due.isoformat(),
                iso(at),
                checkin_id,
                center.desk[0],
                iso(at - 30 * DAY),
            )
        amount = points or DEFAULT_POINTS[kind]
        actor = ("staff", staff) if staff else ("system", None)
        source = ("checkin", str(checkin_id), CHECKIN_REASONS[kind], center.id, *actor)
        ledger.credit(at, "earn", amount, source)
        return amount

    def _conditions(self, resident_id: int, center: Center, joined: int) -> None:
        """Consent, a condition tag, and one open follow-up (overdue for about a third)."""
        out, ids = self.out, self.ids
        consent_id = ids.next("consent")
        out("consents", consent_id, resident_id, "health_conditions", "2017-01", iso(joined), None)
        out(
            "resident_conditions",
            resident_id,
            self.condition,
            consent_id,
            center.desk[0],
            iso(joined),
        )
        due = datetime.fromtimestamp(self.end + LOCAL + self.rng.randrange(-20, 40) * DAY, UTC)
        out(
            "followups",
            ids.next("followup"),
            resident_id,
            center.id,
            self.condition,
            due.date().isoformat(),
            None,
            None,
            center.desk[0],
            iso(self.end - 60 * DAY),
        )


def _poisson(rng: random.Random, mean: float) -> int:
    """Poisson for small means, normal approximation for large ones (fast enough either way)."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, mean**0.5)))
    count, threshold, product = 0, pow(2.718281828459045, -mean), rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count
