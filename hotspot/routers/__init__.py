"""Everything that talks to a router: the login page conventions (:mod:`.login`),
Disconnect and CoA (:mod:`.coa`), the outbox that sends them (:mod:`.outbox`)."""
