-- The current definition of hotspot_mark_ticket: edit it here, then snapshot it into the
-- functions file of a new revision (migrations/sqlfiles.py says why).
CREATE OR REPLACE FUNCTION hotspot_mark_ticket() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE vouchers SET ticket_until = NEW.expires_at
     WHERE code = NEW.username
       AND (ticket_until IS NULL OR ticket_until < NEW.expires_at);
    RETURN NULL;
END
$$;
