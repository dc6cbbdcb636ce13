"""Access: API keys (stored hashed) and JWTs to users, and what each role may do."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time

import jwt
from sqlalchemy import Engine
from sqlmodel import Session, select

from copilot.errors import AuthenticationError, NotFoundError, PermissionDenied
from copilot.models import ApiKey, User, utcnow
from copilot.schemas import Role

KEY_PREFIX = "cpk_"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(engine: Engine, *, user_id: str, label: str = "") -> str:
    """Issue a new API key for a user; the key is shown once, only its hash is stored."""
    key = KEY_PREFIX + secrets.token_urlsafe(24)
    with Session(engine) as session:
        if session.get(User, user_id) is None:
            raise NotFoundError(f"unknown user {user_id!r}: users are defined in the site's site.yaml")
        session.add(ApiKey(user_id=user_id, key_hash=_hash(key), label=label))
        session.commit()
    return key


def revoke_keys(engine: Engine, *, user_id: str) -> int:
    with Session(engine) as session:
        keys = session.exec(select(ApiKey).where(ApiKey.user_id == user_id, ApiKey.revoked_at == None)).all()  # noqa: E711
        for key in keys:
            key.revoked_at = utcnow()
            session.add(key)
        session.commit()
        return len(keys)


def user_for_key(engine: Engine, key: str) -> User:
    with Session(engine) as session:
        row = session.exec(select(ApiKey).where(ApiKey.key_hash == _hash(key))).first()
        if row is None or row.revoked_at is not None:
            raise AuthenticationError("invalid or revoked API key")
        user = session.get(User, row.user_id)
        if user is None:
            raise AuthenticationError("the API key's user no longer exists")
        return user


def user_for_token(engine: Engine, token: str, secret: str) -> User:
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["sub", "exp"]})
    except jwt.PyJWTError as exc:
        raise AuthenticationError(f"invalid bearer token: {exc}") from None
    with Session(engine) as session:
        user = session.get(User, str(claims["sub"]))
    if user is None:
        raise AuthenticationError(f"the token's subject {claims['sub']!r} is not a user of this site")
    return user


def require_role(user: User, *roles: Role) -> None:
    """Raise PermissionDenied unless the user has one of the roles (admin may do everything)."""
    if user.role != Role.admin and user.role not in roles:
        allowed = ", ".join(r.value for r in roles)
        raise PermissionDenied(f"{user.id} is a {user.role}; this needs the role {allowed}")


class KeyCache:
    """Remembers which user a key belongs to for `ttl_s` seconds (a revocation takes effect within it)."""

    def __init__(self, ttl_s: float = 30.0, size: int = 4096) -> None:
        self.ttl_s = ttl_s
        self._size = size
        self._entries: dict[str, tuple[float, User]] = {}
        self._lock = threading.Lock()

    def user(self, engine: Engine, key: str) -> User:
        digest = _hash(key)
        now = time.monotonic()
        with self._lock:
            cached = self._entries.get(digest)
        if cached is not None and now - cached[0] < self.ttl_s:
            return cached[1]
        user = user_for_key(engine, key)
        with self._lock:
            if len(self._entries) >= self._size:
                self._entries.clear()
            self._entries[digest] = (now, user)
        return user
