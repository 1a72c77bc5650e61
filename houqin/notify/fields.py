"""A text field encrypted at rest with Fernet (webhook URLs carry their access token, and secrets).

The key is ``settings.HOUQIN_FIELD_KEY`` (derived from ``SECRET_KEY`` unless set on its own). Any
string is accepted as the key: it is stretched with SHA-256 into a Fernet key. Values cannot be
looked up in the database (each encryption differs); they are only read back in code.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models

logger = logging.getLogger(__name__)

PREFIX = "fernet:"


@cache
def _fernet(key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


def fernet() -> Fernet:
    return _fernet(settings.HOUQIN_FIELD_KEY)


def encrypt(value: str) -> str:
    if not value:
        return ""
    return PREFIX + fernet().encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    if not value:
        return ""
    if not value.startswith(PREFIX):
        return value  # written before encryption was switched on
    try:
        return fernet().decrypt(value[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        logger.warning("an encrypted field could not be decrypted: was HOUQIN_FIELD_KEY changed?")
        return ""


class EncryptedTextField(models.TextField):
    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value is not None else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else value
