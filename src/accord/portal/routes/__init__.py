"""One router per area of the portal (``portal_router()`` from ``deps``); the app factory
(``app``) includes each. Built here: ``home`` (the start and first-run pages), ``staff``
(staff sign-in, sign-out, password, home), ``citizen`` (citizen sign-in through the
identity provider, sign-out, home)."""
