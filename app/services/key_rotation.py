"""Re-encrypt every stored secret with the current (first) key of ENCRYPTION_KEYS.

Works on every EncryptedText column of every table, in batches ordered by primary key, and
reads and writes the raw ciphertext so nothing is decrypted into the ORM. A value already
under the current key is left alone, so running it again only does what is left. Each write
only lands if the value is still the one read (compare-and-set): a secret the app saved in
the meantime is never overwritten with an older one.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Column, Table, Text, select, type_coerce, update

from app.crypto import SecretDecryptionError, secret_box
from app.extensions import db
from app.models.types import EncryptedText

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 200


@dataclass
class ColumnReport:
    """What happened to one column: values re-encrypted, already current, unreadable, and
    rows changed by someone else while they were being rotated (left as they were)."""

    table: str
    column: str
    rotated: int = 0
    current: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def name(self) -> str:
        return f"{self.table}.{self.column}"


@dataclass
class RotationReport:
    columns: list[ColumnReport] = field(default_factory=list)

    @property
    def rotated(self) -> int:
        return sum(c.rotated for c in self.columns)

    @property
    def failed(self) -> int:
        return sum(c.failed for c in self.columns)


def encrypted_columns(metadata=None) -> list[tuple[Table, Column]]:
    """Every (table, column) stored with EncryptedText, in a stable order."""
    metadata = metadata if metadata is not None else db.metadata
    return [(table, column) for table in metadata.sorted_tables for column in table.columns
            if isinstance(column.type, EncryptedText)]


def rotate_encryption_keys(primary_key: str, *, batch_size: int = DEFAULT_BATCH_SIZE,
                           metadata=None) -> RotationReport:
    """Re-encrypt every secret not yet under `primary_key` (the first of ENCRYPTION_KEYS,
    which `secret_box` must already hold); returns the counts per column."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    current = Fernet(primary_key.encode())
    report = RotationReport()
    for table, column in encrypted_columns(metadata):
        report.columns.append(_rotate_column(table, column, current, batch_size))
    return report


def _primary_key(table: Table) -> Column:
    keys = list(table.primary_key.columns)
    if len(keys) != 1:
        raise ValueError(f"{table.name} has no single-column primary key to page through")
    return keys[0]


def _rotate_column(table: Table, column: Column, current: Fernet, batch_size: int
                   ) -> ColumnReport:
    result = ColumnReport(table.name, column.name)
    pk = _primary_key(table)
    raw = type_coerce(column, Text)
    last = None
    while True:
        query = select(pk, raw).where(column.isnot(None), raw != "").order_by(pk).limit(batch_size)
        if last is not None:
            query = query.where(pk > last)
        rows = db.session.execute(query).all()
        if not rows:
            break
        for row_id, stored in rows:
            _rotate_value(table, column, pk, row_id, stored, current, result)
        db.session.commit()
        last = rows[-1][0]
    log.info("Key rotation %s: %d rotated, %d current, %d failed, %d changed meanwhile",
             result.name, result.rotated, result.current, result.failed, result.skipped)
    return result


def _rotate_value(table, column, pk, row_id, stored: str, current: Fernet,
                  result: ColumnReport) -> None:
    try:
        current.decrypt(stored.encode())
        result.current += 1
        return
    except InvalidToken:
        pass
    try:
        rotated = secret_box.rotate(stored)
    except (InvalidToken, SecretDecryptionError):
        result.failed += 1
        log.error("Key rotation: %s.%s of row %s cannot be decrypted with any configured key",
                  table.name, column.name, row_id)
        return
    raw = type_coerce(column, Text)
    changed = db.session.execute(
        update(table).where(pk == row_id, raw == stored).values({column.name: type_coerce(
            rotated, Text)})
    ).rowcount
    if changed:
        result.rotated += 1
    else:
        result.skipped += 1
