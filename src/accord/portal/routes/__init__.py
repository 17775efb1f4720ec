"""One router per area of the portal (``portal_router()`` from ``deps``); the app factory
(``app``) includes each (``app.ROUTERS``). Built here: ``home`` (the start and first-run
pages), ``staff`` (staff sign-in, sign-out, password, home), ``accounts`` (the staff
accounts area, for stewards), ``citizen`` (citizen sign-in through the identity
provider, OpenID Connect's redirect and callback, sign-out), ``your_data`` (a citizen's
uses, opt-outs and download), ``people`` (stewards: subject access requests and opt-outs
on someone's behalf), ``agreements`` (the register, an agreement's page, propose,
suspend, revoke), ``inbox`` (proposals from other nodes: review, countersign, decline),
``drafting`` and ``drafting_fields`` (the drafting journey's task list, pages and
check), ``gateways`` (the legal gateway finder), ``datasets`` (each
dataset's quality, description, versions, quarantine and provenance, for stewards and
analysts), ``audit_log`` (the audit log explorer, for stewards and auditors), ``usage``
(cost sharing, for stewards and analysts), ``checkpoints`` (the auditor's checkpoints,
verification and downloads)."""
