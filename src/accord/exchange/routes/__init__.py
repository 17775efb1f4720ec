"""One router per resource; the app factory (``app``) assembles them."""
