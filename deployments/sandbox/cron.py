"""A small five-field cron matcher (numbers, names, ranges, steps, lists, @macros)."""

from __future__ import annotations

from datetime import UTC, datetime

_MACROS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
           "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
           "@hourly": "0 * * * *"}
_NAMES = {name: i for i, name in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_NAMES |= {name: i for i, name in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}
_BOUNDS = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


class CronError(ValueError):
    pass


def _number(text: str) -> int:
    lowered = text.lower()
    if lowered in _NAMES:
        return _NAMES[lowered]
    if not text.isdigit():
        raise CronError(f"unparseable cron value {text!r}")
    return int(text)


def _field(text: str, low: int, high: int) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base in ("*", "?"):
            start, end = low, high
        elif "-" in base:
            start, end = (_number(x) for x in base.split("-", 1))
        else:
            start = _number(base)
            end = high if step_text else start
        if not (low <= start <= high and low <= end <= high) or step < 1:
            raise CronError(f"cron value out of range: {part!r}")
        values.update(range(start, end + 1, step))
    return values


class CronSchedule:
    def __init__(self, expression: str) -> None:
        text = _MACROS.get(expression.strip(), expression.strip())
        fields = text.split()
        if len(fields) != 5:
            raise CronError(f"expected exactly 5 fields, found {len(fields)}: {expression}")
        self.minutes, self.hours, self.days, self.months, weekdays = (
            _field(f, lo, hi) for f, (lo, hi) in zip(fields, _BOUNDS, strict=True))
        self.weekdays = {d % 7 for d in weekdays}
        self._any_day = fields[2] in ("*", "?")
        self._any_weekday = fields[4] in ("*", "?")

    def matches(self, moment: datetime) -> bool:
        if moment.minute not in self.minutes or moment.hour not in self.hours \
                or moment.month not in self.months:
            return False
        day_ok = moment.day in self.days
        weekday_ok = (moment.isoweekday() % 7) in self.weekdays
        if self._any_day or self._any_weekday:  # cron's day-of-month/day-of-week OR rule
            return day_ok and weekday_ok
        return day_ok or weekday_ok

    def latest_due(self, after: float, now: float) -> float | None:
        """The most recent scheduled minute in (after, now], or None."""
        minute = int(now // 60) * 60
        floor = int(after // 60) * 60
        checked = 0
        while minute > floor and checked < 60 * 24 * 2:
            if self.matches(datetime.fromtimestamp(minute, tz=UTC)):
                return float(minute)
            minute -= 60
            checked += 1
        return None
