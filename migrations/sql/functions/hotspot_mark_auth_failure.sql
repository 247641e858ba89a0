-- The current definition of hotspot_mark_auth_failure: edit it here, then snapshot it into the
-- functions file of a new revision (migrations/sqlfiles.py says why).
CREATE OR REPLACE FUNCTION hotspot_mark_auth_failure() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE routers SET last_auth_failure_at = NEW.created_at
     WHERE id = NEW.router_id
       AND (last_auth_failure_at IS NULL OR last_auth_failure_at < NEW.created_at);
    UPDATE vouchers SET last_auth_failure_at = NEW.created_at
     WHERE code = NEW.username
       AND (last_auth_failure_at IS NULL OR last_auth_failure_at < NEW.created_at);
    RETURN NULL;
END
$$;
