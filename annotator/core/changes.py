"""What a mutation touched, so each view refreshes only what concerns it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Changes:
    """Uids of the records a service call created, changed or deleted, by kind."""

    cases: frozenset[str] = field(default_factory=frozenset)
    media: frozenset[str] = field(default_factory=frozenset)
    annotations: frozenset[str] = field(default_factory=frozenset)
    tags: frozenset[str] = field(default_factory=frozenset)
    claims: frozenset[str] = field(default_factory=frozenset)
    claim_links: frozenset[str] = field(default_factory=frozenset)
    redactions: frozenset[str] = field(default_factory=frozenset)
    audit: bool = False

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            cases=self.cases | other.cases,
            media=self.media | other.media,
            annotations=self.annotations | other.annotations,
            tags=self.tags | other.tags,
            claims=self.claims | other.claims,
            claim_links=self.claim_links | other.claim_links,
            redactions=self.redactions | other.redactions,
            audit=self.audit or other.audit,
        )

    @property
    def any(self) -> bool:
        return self.audit or any(
            (
                self.cases,
                self.media,
                self.annotations,
                self.tags,
                self.claims,
                self.claim_links,
                self.redactions,
            )
        )

    @classmethod
    def of(cls, entity_type: str, uid: str) -> Changes:
        """Changes naming one record of an audited entity type (audit implied)."""
        key = _FIELD_FOR_TYPE.get(entity_type)
        if key is None:  # an act recorded in the trail (snapshot, export): no record changed
            return cls(audit=True)
        return cls(audit=True, **{key: frozenset((uid,))})


_FIELD_FOR_TYPE = {
    "case": "cases",
    "media": "media",
    "annotation": "annotations",
    "tag": "tags",
    "claim": "claims",
    "claim_link": "claim_links",
    "redaction": "redactions",
}
