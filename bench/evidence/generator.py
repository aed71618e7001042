"""The evidence accuracy bench's labelled set: honest reps' weekly visits with the noise
of real field work and fakes in every pattern, written as a ``zhongshu visits audit``
JSONL file plus photos (``build``). Called by ``bench/evidence_accuracy.py`` and, through
it, by ``tests/visits/test_labelled_set.py``."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image

from bench.evidence.labels import (
    ACTIONS,
    BEIJING_CENTRE,
    CENTRE,
    HONEST,
    PAIN_POINTS,
    PATTERNS,
    PHONES,
    PHOTO_SIZE,
    QUESTIONS,
    SHANGHAI_CENTRE,
    SHORT_QUESTIONS,
    SIZES,
    START,
    TEST_SEED,
)
from lib.geo import GeoPoint
from tests.visits.visitkit import (
    SHANGHAI,
    camera_exif,
    edited_copy,
    jpeg,
    png,
    point_at,
    scene,
    storefront,
    storefront_shot,
)


@dataclass
class Labelled:
    record: dict[str, Any]
    label: str  # HONEST or a key of PATTERNS
    noise: tuple[str, ...] = ()  # honest visits: the NOISE keys that apply


@dataclass
class Shot:
    """An honest photo, kept as the recipe that draws it again (fakes copy it)."""

    at: datetime
    path: str
    front: int
    seed: int


@dataclass
class Customer:
    cid: str
    registered: GeoPoint  # as the CRM has it (WGS-84 or GCJ-02)
    site: GeoPoint  # where visits really happen (WGS-84)
    front: int  # the storefront's seed
    factory: bool = False


@dataclass
class Generator:
    seed: int
    folder: Path
    size: dict[str, int]
    rnd: random.Random = field(init=False)
    items: list[Labelled] = field(default_factory=list)
    shots: list[Shot] = field(default_factory=list)
    fronts: dict[int, Image.Image] = field(default_factory=dict)
    next_seed: int = 0

    def __post_init__(self) -> None:
        self.rnd = random.Random(self.seed)
        self.next_seed = self.seed * 1000
        (self.folder / "photos").mkdir(parents=True, exist_ok=True)

    # -- building blocks ------------------------------------------------------------
    def _seed(self) -> int:
        self.next_seed += 1
        return self.next_seed

    def _front(self, front: int) -> Image.Image:
        if front not in self.fronts:
            if len(self.fronts) > 64:
                self.fronts.pop(next(iter(self.fronts)))
            self.fronts[front] = storefront(front, (800, 600))
        return self.fronts[front]

    def _draw(self, front: int, seed: int) -> Image.Image:
        return storefront_shot(self._front(front), seed, PHOTO_SIZE)

    def _photo(self, name: str, data: bytes) -> str:
        (self.folder / "photos" / name).write_bytes(data)
        return f"photos/{name}"

    def _exif(self, taken: datetime, gps: GeoPoint | None, offset: bool) -> Image.Exif:
        make, model = self.rnd.choice(PHONES)
        return camera_exif(taken=taken, gps=gps, make=make, model=model,
                           offset="+08:00" if offset else None)

    @staticmethod
    def _place(where: GeoPoint) -> dict[str, Any]:
        return {"lat": where.lat, "lng": where.lng, "coord": where.coord}

    def _near(self, where: GeoPoint, low_km: float, high_km: float,
              coord: str = "wgs84") -> GeoPoint:
        return point_at(where, self.rnd.uniform(low_km, high_km), self.rnd.uniform(0, 360),
                        coord)

    def _record(self, vid: str, rep: str, at: datetime, customer: Customer,
                device: GeoPoint | None, photo: str | None, *,
                question: str | None = None) -> dict[str, Any]:
        return {"id": vid, "rep": rep, "at": at.isoformat(),
                "customer": {"id": customer.cid, **self._place(customer.registered)},
                "device": self._place(device) if device else None, "photo": photo,
                "grade": self.rnd.choice("ABC"),
                "pain_points": self.rnd.sample(PAIN_POINTS, self.rnd.randint(1, 3)),
                "question": question or self.rnd.choice(QUESTIONS),
                "next_action": self.rnd.choice(ACTIONS)}

    def customer(self, cid: str, around: GeoPoint, *, spread_km: float = 20.0,
                 factory: bool | None = None) -> Customer:
        registered = self._near(around, 0.5, spread_km)
        is_factory = self.rnd.random() < 0.2 if factory is None else factory
        site = self._near(registered, 2.0, 3.3) if is_factory else registered
        if self.rnd.random() < 0.35:
            registered = point_at(registered, 0, 0, "gcj02")
        return Customer(cid, registered, site, self._seed(), is_factory)

    def honest(self, vid: str, rep: str, at: datetime, customer: Customer,
               *noise: str, question: str | None = None) -> dict[str, Any]:
        """A real visit at ``customer.site`` with its share of everyday noise."""
        tags = set(noise) | {"same_storefront"}
        if customer.factory:
            tags.add("factory")
        if customer.registered.coord == "gcj02":
            tags.add("gcj02")
        if self.rnd.random() < 0.15:
            taken = at - timedelta(minutes=self.rnd.uniform(20, 29))
            tags.add("late_upload")
        else:
            taken = at - timedelta(minutes=self.rnd.uniform(1, 15))
        roll = self.rnd.random()
        if roll < 0.15:
            gps: GeoPoint | None = self._near(customer.site, 0.5, 1.5)
            tags.add("indoor_drift")
        elif roll < 0.3:
            gps = None
            tags.add("no_photo_gps")
        else:
            gps = self._near(customer.site, 0, 0.15)
        roll = self.rnd.random()
        coord = "gcj02" if self.rnd.random() < 0.6 else "wgs84"
        if roll < 0.12:
            device: GeoPoint | None = self._near(customer.site, 0.5, 1.5, coord)
            tags.add("indoor_drift")
        elif roll < 0.3:
            device = None
            tags.add("no_device")
        else:
            device = self._near(customer.site, 0, 0.15, coord)
        if device is not None and device.coord == "gcj02":
            tags.add("gcj02")
        offset = self.rnd.random() < 0.5
        tags.add("exif_offset" if offset else "exif_no_offset")
        if question is None and self.rnd.random() < 0.4:
            question = self.rnd.choice(SHORT_QUESTIONS)
        if question in SHORT_QUESTIONS:
            tags.add("short_question")
        seed = self._seed()
        data = jpeg(self._draw(customer.front, seed), quality=self.rnd.choice([80, 88, 92]),
                    exif=self._exif(taken, gps, offset))
        path = self._photo(f"{vid}.jpg", data)
        self.shots.append(Shot(at, path, customer.front, seed))
        record = self._record(vid, rep, at, customer, device, path, question=question)
        self.items.append(Labelled(record, HONEST, tuple(sorted(tags))))
        return record

    def _fake(self, record: dict[str, Any], pattern: str) -> None:
        self.items.append(Labelled(record, pattern))

    # -- the set --------------------------------------------------------------------
    def working_days(self, weeks: int) -> list[date]:
        return [START + timedelta(days=7 * w + d) for w in range(weeks) for d in range(5)]

    @staticmethod
    def _at(day: date, hours: float) -> datetime:
        return datetime.combine(day, datetime.min.time(), SHANGHAI) + timedelta(hours=hours)

    def honest_reps(self) -> None:
        """Each rep sees each customer once a week (same weekday), one to two customers a
        day at least 1.5 h apart. Rep 1 revisits a customer 48.1–52 h later each week;
        reps 2 and 3 take the train to Shanghai or Beijing once a week."""
        reps, per_rep, weeks = (self.size["reps"], self.size["customers"],
                                self.size["weeks"])
        days = self.working_days(weeks)
        for r in range(reps):
            rep = f"rep{r + 1:02d}"
            customers = [self.customer(f"{rep}-c{c + 1}", CENTRE) for c in range(per_rep)]
            # Short real questions this rep keeps asking, week after week.
            habit = self.rnd.sample(SHORT_QUESTIONS, 2)
            again: datetime | None = None
            for d, day in enumerate(days):
                todays = [c for i, c in enumerate(customers) if i % 5 == d % 5]
                clock = self.rnd.uniform(9.0, 10.5)
                if again is not None and d % 5 == 2:
                    # Back at Monday's first customer on Wednesday, just over 48 h later.
                    self.honest(f"h-{customers[0].cid}-{again:%m%d}-again", rep, again,
                                customers[0], "revisit_over_48h")
                    clock = (again - self._at(day, 0)).total_seconds() / 3600 \
                        + self.rnd.uniform(1.5, 2.0)
                    again = None
                for customer in todays:
                    at = self._at(day, clock)
                    question = self.rnd.choice(habit) if self.rnd.random() < 0.5 else None
                    self.honest(f"h-{customer.cid}-{day:%m%d}", rep, at, customer,
                                question=question)
                    if r == 0 and d % 5 == 0 and customer is customers[0]:
                        again = at + timedelta(hours=self.rnd.uniform(48.1, 52))
                    clock += self.rnd.uniform(1.5, 3.0)
                if r in (1, 2) and d % 5 == 3:
                    self._rail_trip(rep, day, r)

    def _rail_trip(self, rep: str, day: date, r: int) -> None:
        """After the day's Hangzhou visits, a train to another city and a visit there."""
        last = [i for i in self.items if i.record["rep"] == rep][-1]
        left = datetime.fromisoformat(last.record["at"])
        if r == 1:
            city, hours, name = SHANGHAI_CENTRE, self.rnd.uniform(80, 100) / 60, "sh"
        else:
            city, hours, name = BEIJING_CENTRE, self.rnd.uniform(5.5, 7), "bj"
        customer = self.customer(f"{rep}-{name}-{day:%m%d}", city, spread_km=3.0,
                                 factory=False)
        # The customer is near the station: the leg is essentially city to city.
        self.honest(f"h-{customer.cid}", rep, left + timedelta(hours=hours), customer,
                    "rail_trip")

    def fraud(self) -> None:
        per_pattern = self.size["per_pattern"]
        days = self.working_days(self.size["weeks"])
        for pattern in PATTERNS:
            for i in range(per_pattern):
                rep, vid = f"f-{pattern}-{i}", f"f-{pattern}-{i}"
                # Late enough that honest photos exist to copy.
                day = days[len(days) // 3 + (i * 7 + len(pattern)) % (len(days) * 2 // 3)]
                at = self._at(day, self.rnd.uniform(9, 17))
                customer = self.customer(f"fc-{pattern}-{i}", CENTRE, factory=False)
                getattr(self, f"_fraud_{pattern}")(vid, rep, at, customer, i)

    def _camera(self, name: str, customer: Customer, taken: datetime,
                gps: GeoPoint | None, offset: bool | None = None) -> str:
        image = self._draw(customer.front, self._seed())
        flag = self.rnd.random() < 0.5 if offset is None else offset
        return self._photo(name, jpeg(image, exif=self._exif(taken, gps, flag)))

    def _fraud_screenshot(self, vid: str, rep: str, at: datetime, customer: Customer,
                          i: int) -> None:
        image = self._draw(customer.front, self._seed())
        if i % 3 == 2:  # saved from a chat: a JPEG whose EXIF the app stripped
            photo = self._photo(f"{vid}.jpg", jpeg(image, quality=75))
        else:
            size = [(540, 960), (720, 1280)][i % 2]
            photo = self._photo(f"{vid}.png", png(scene(self._seed(), (size[0] // 3,
                                                                      size[1] // 3))))
        self._fake(self._record(vid, rep, at, customer, self._near(customer.site, 0, 0.2),
                                photo), "screenshot")

    def _fraud_album_old_exif(self, vid: str, rep: str, at: datetime, customer: Customer,
                              i: int) -> None:
        # Taken at the customer's, but 35 minutes to three months before the check-in.
        age = self.rnd.choice([timedelta(minutes=self.rnd.uniform(35, 59)),
                               timedelta(hours=self.rnd.choice([3, 26, 24 * 7, 24 * 90]))])
        photo = self._camera(f"{vid}.jpg", customer, at - age,
                             self._near(customer.site, 0, 0.2), offset=i % 2 == 0)
        self._fake(self._record(vid, rep, at, customer, self._near(customer.site, 0, 0.2),
                                photo), "album_old_exif")

    def _fraud_photo_far(self, vid: str, rep: str, at: datetime, customer: Customer,
                         i: int) -> None:
        # The rep is at the office (no device fix shared) and the photo was taken there.
        office = self._near(customer.site, 5.5, 30)
        photo = self._camera(f"{vid}.jpg", customer, at - timedelta(minutes=5), office)
        self._fake(self._record(vid, rep, at, customer, None, photo), "photo_far")

    def _fraud_device_far(self, vid: str, rep: str, at: datetime, customer: Customer,
                          i: int) -> None:
        # A photo without GPS (location services off), the device 5.5–20 km away.
        device = self._near(customer.site, 5.5, 20, self.rnd.choice(["wgs84", "gcj02"]))
        photo = self._camera(f"{vid}.jpg", customer, at - timedelta(minutes=4), None)
        self._fake(self._record(vid, rep, at, customer, device, photo), "device_far")

    def _fraud_revisit_48h(self, vid: str, rep: str, at: datetime, customer: Customer,
                           i: int) -> None:
        first = at - timedelta(hours=self.rnd.uniform(2, 47.9))
        self.honest(f"{vid}-first", rep, first, customer)
        self.honest(vid, rep, at, customer)
        self.items[-1].label, self.items[-1].noise = "revisit_48h", ()

    def _earlier(self, at: datetime) -> Shot:
        return self.rnd.choice([s for s in self.shots if s.at < at - timedelta(hours=1)
                                and not s.path.startswith("photos/f-")])

    def _fraud_photo_reused(self, vid: str, rep: str, at: datetime, customer: Customer,
                            i: int) -> None:
        # The same file as an earlier honest visit (somebody else's, or an old one).
        photo = self._earlier(at).path
        self._fake(self._record(vid, rep, at, customer, self._near(customer.site, 0, 0.2),
                                photo), "photo_reused")

    def _forged(self, vid: str, image: Image.Image, at: datetime, customer: Customer,
                quality: int) -> str:
        # Fresh camera EXIF (time and GPS forged to fit this visit): only the picture
        # itself gives it away.
        data = jpeg(image, quality=quality,
                    exif=self._exif(at - timedelta(minutes=3),
                                    self._near(customer.site, 0, 0.2), self.rnd.random() < 0.5))
        return self._photo(f"{vid}.jpg", data)

    def _fraud_photo_reencoded(self, vid: str, rep: str, at: datetime, customer: Customer,
                               i: int) -> None:
        # An earlier honest photo, resized and recompressed.
        shot = self._earlier(at)
        image = edited_copy(self._draw(shot.front, shot.seed),
                            scale=self.rnd.choice([0.5, 0.75, 1.25, 1.5]))
        photo = self._forged(vid, image, at, customer, self.rnd.choice([55, 70, 85]))
        self._fake(self._record(vid, rep, at, customer, self._near(customer.site, 0, 0.2),
                                photo), "photo_reencoded")

    def _fraud_photo_edited(self, vid: str, rep: str, at: datetime, customer: Customer,
                            i: int) -> None:
        # An earlier honest photo brightened or darkened, or cropped (2–10 % off each
        # side, unevenly), or both, then saved again.
        shot = self._earlier(at)
        brightness = self.rnd.choice([0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3])
        crop = ((0.0, 0.0, 0.0, 0.0) if i % 3 == 0
                else tuple(self.rnd.uniform(0.02, 0.10) for _ in range(4)))
        if brightness == 1.0 and i % 3 == 0:
            brightness = 1.25
        image = edited_copy(self._draw(shot.front, shot.seed), brightness=brightness,
                            crop=crop,  # type: ignore[arg-type]
                            scale=self.rnd.choice([0.8, 1.0, 1.2]))
        photo = self._forged(vid, image, at, customer, self.rnd.choice([65, 75, 85]))
        self._fake(self._record(vid, rep, at, customer, self._near(customer.site, 0, 0.2),
                                photo), "photo_edited")

    def _fraud_impossible_travel(self, vid: str, rep: str, at: datetime, customer: Customer,
                                 i: int) -> None:
        # A real check-in, then "at" a customer soon after, too far for a car on a short
        # leg (150–600 km/h over 30–140 km) or for a train on a long one (400–800 km/h).
        gap = timedelta(minutes=self.rnd.uniform(10, 50))
        hours = gap.total_seconds() / 3600
        if i % 4 == 3:
            km = self.rnd.uniform(400, 800) * hours
        else:
            km = min(140.0, max(30.0, self.rnd.uniform(150, 600) * hours))
            gap = timedelta(hours=km / self.rnd.uniform(150, 600))
        first = self.customer(f"{customer.cid}-first", CENTRE, factory=False)
        self.honest(f"{vid}-first", rep, at - gap, first)
        bearing = self.rnd.uniform(0, 360)
        far = point_at(first.site, km, bearing)
        moved = Customer(customer.cid, far, far, customer.front)
        self.honest(vid, rep, at, moved)
        self.items[-1].label, self.items[-1].noise = "impossible_travel", ()

    def _fraud_incomplete_record(self, vid: str, rep: str, at: datetime, customer: Customer,
                                 i: int) -> None:
        record = self.honest(vid, rep, at, customer)
        self.items[-1].label, self.items[-1].noise = "incomplete_record", ()
        gaps: list[dict[str, Any]] = [
            {"question": None}, {"question": "无"}, {"question": "没有问题"},
            {"question": "好的"}, {"pain_points": []}, {"next_action": ""},
            {"grade": None}, {"photo": None}, {"question": "哈哈哈"},
            {"next_action": None, "question": ""}, {"grade": "D"}, {"question": "。。。"},
            {"question": "123"}, {"question": "暂无"}, {"question": "啊啊啊啊"},
            {"pain_points": [], "next_action": None},
        ]
        record.update(gaps[i % len(gaps)])


def build(folder: Path, *, seed: int = TEST_SEED,
          size: str = "test") -> tuple[Path, dict[str, str]]:
    """Write the labelled set under ``folder``: visits.jsonl (shuffled: the audit orders
    by time), photos/ and noise.json (each honest visit's noise tags). Returns the file
    and the label of each visit id."""
    gen = Generator(seed, folder, SIZES[size])
    gen.honest_reps()
    gen.fraud()
    items = list(gen.items)
    random.Random(seed + 1).shuffle(items)
    path = folder / "visits.jsonl"
    path.write_text("".join(json.dumps(i.record, ensure_ascii=False) + "\n" for i in items),
                    encoding="utf-8")
    (folder / "noise.json").write_text(json.dumps(
        {i.record["id"]: list(i.noise) for i in items if i.label == HONEST}), encoding="utf-8")
    return path, {i.record["id"]: i.label for i in items}
