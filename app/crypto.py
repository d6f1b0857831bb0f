"""Encryption at rest for secrets (Fernet; the first key encrypts, every key decrypts)."""
from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretDecryptionError(RuntimeError):
    """A stored secret cannot be decrypted with any configured key."""


class SecretBox:
    """Holds the configured keys; set once by create_app()."""

    def __init__(self) -> None:
        self._fernet: MultiFernet | None = None

    def configure(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is required")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])

    @property
    def fernet(self) -> MultiFernet:
        if self._fernet is None:
            raise RuntimeError("encryption keys are not configured; call create_app() first")
        return self._fernet

    def encrypt(self, plaintext: str) -> str:
        return self.fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self.fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise SecretDecryptionError(
                "A stored secret could not be decrypted; is ENCRYPTION_KEYS missing an old key?"
            ) from exc

    def rotate(self, token: str) -> str:
        """Re-encrypt a stored value with the first (current) key."""
        return self.fernet.rotate(token.encode()).decode()


secret_box = SecretBox()
