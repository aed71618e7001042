"""In-memory history for audits: ``History`` carries each customer's last visit, each
rep's last check-in and every photo seen so far (``PhotoIndex``) from one visit to the
next, in time order, and checks each visit with ``evaluate``. Used by the visits audit
(``models.visits.audit``) and the accuracy bench."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo

import numpy as np

from lib.photos.hashing import WINDOWS, window_hashes
from models.visits.evidence.facts import (
    Context,
    EvidenceRules,
    Flag,
    PriorPhoto,
    PriorVisit,
    VisitFacts,
)
from models.visits.evidence.photo import best_photo_match
from models.visits.evidence.verdict import evaluate


class PhotoIndex:
    """Earlier photos by sha256 and by perceptual hash: the hashes sit in one numpy
    array, so "every photo within ``max_bits``" is one vectorised XOR and popcount over
    all of them (10,000 photos: tens of microseconds)."""

    def __init__(self, max_bits: int, crop_bits: int | None = None) -> None:
        self._max_bits = max_bits
        self._crop_bits = max_bits if crop_bits is None else crop_bits
        self._by_sha: dict[str, PriorPhoto] = {}
        self._photos: list[PriorPhoto] = []
        # Row 0: each photo's hash; further rows: its centre windows' (or the hash again).
        self._hashes = np.zeros((1 + len(WINDOWS), 1024), dtype=np.uint64)

    def add(self, photo: PriorPhoto) -> None:
        self._by_sha.setdefault(photo.sha256, photo)
        n = len(self._photos)
        if n == self._hashes.shape[1]:
            self._hashes = np.concatenate([self._hashes, np.zeros_like(self._hashes)], axis=1)
        windows = list(photo.window_hashes) or [photo.phash] * len(WINDOWS)
        self._hashes[:, n] = [np.uint64(h) for h in (photo.phash, *windows)]
        self._photos.append(photo)

    def candidates(self, sha256: str, phash: int) -> list[PriorPhoto]:
        found: dict[int, PriorPhoto] = {}
        exact = self._by_sha.get(sha256)
        if exact is not None:
            found[id(exact)] = exact
        n = len(self._photos)
        if n:
            bits = np.bitwise_count(self._hashes[:, :n] ^ np.uint64(phash))
            near = (bits[0] <= self._max_bits) | (bits[1:] <= self._crop_bits).any(axis=0)
            for i in np.flatnonzero(near):
                photo = self._photos[int(i)]
                found.setdefault(id(photo), photo)
        return list(found.values())


@dataclass
class History:
    """The state an audit carries from one visit to the next, in time order: each
    customer's last visit, each rep's last check-in, every photo seen so far."""

    rules: EvidenceRules
    by_customer: dict[str, PriorVisit] = field(default_factory=dict)
    by_rep: dict[str, PriorVisit] = field(default_factory=dict)
    photos: PhotoIndex | None = None

    def __post_init__(self) -> None:
        if self.photos is None:
            self.photos = PhotoIndex(self.rules.photo_match_bits, self.rules.photo_crop_bits)

    def context(self, visit: VisitFacts) -> Context:
        assert self.photos is not None
        match = None
        if visit.photo is not None:
            match = best_photo_match(
                visit.photo, visit.at,
                self.photos.candidates(visit.photo.sha256, visit.photo.phash), self.rules)
        return Context(last_customer_visit=self.by_customer.get(visit.customer_id),
                       last_rep_checkin=self.by_rep.get(visit.rep), photo_match=match)

    def add(self, visit: VisitFacts) -> None:
        assert self.photos is not None
        prior = visit.as_prior()
        self.by_customer[visit.customer_id] = prior
        self.by_rep[visit.rep] = prior
        if visit.photo is not None:
            sig = visit.photo.signature
            windows = visit.photo.windows or (window_hashes(sig) if sig else ())
            self.photos.add(PriorPhoto(prior, visit.photo.sha256, visit.photo.phash, sig,
                                       windows))

    def check(self, visit: VisitFacts, *, business_tz: tzinfo) -> list[Flag]:
        """Evaluate ``visit`` against everything before it, then remember it. Visits must
        come in ``at`` order."""
        flags = evaluate(visit, self.context(visit), self.rules, business_tz=business_tz)
        self.add(visit)
        return flags
