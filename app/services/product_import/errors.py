"""What can stop an import, each with a message a merchant can act on."""
from __future__ import annotations


class ImportProblem(Exception):
    """Base of the import errors; ``merchant_message`` is safe to show."""

    def __init__(self, merchant_message: str) -> None:
        super().__init__(merchant_message)
        self.merchant_message = merchant_message


class ImportValidationError(ImportProblem):
    """The submitted choices are not valid; ``errors`` maps each form field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()) or "Check the highlighted fields.")
        self.errors = errors


class ImportNotReady(ImportProblem):
    """Dropi is not connected or no warehouse is mapped to a location: nothing can be imported."""

    @property
    def message(self) -> str:
        return self.merchant_message


class ImportRefused(ImportProblem):
    """This Dropi product cannot be written as asked (no price, options that do not fit...)."""


class AssociationNotFound(ImportProblem):
    """No imported product with that id belongs to the shop."""


class ImportJobNotFound(ImportProblem):
    """No bulk import with that id belongs to the shop."""
