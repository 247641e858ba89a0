-- The current definition of hotspot_use_ticket: edit it here, then snapshot it into the
-- functions file of a new revision (migrations/sqlfiles.py says why).
CREATE OR REPLACE FUNCTION hotspot_use_ticket(p_ticket text) RETURNS text
LANGUAGE sql AS $$
    UPDATE login_tickets SET used_at = now()
     WHERE id = CASE WHEN p_ticket ~ '^[0-9]{1,9}$' THEN p_ticket::int END
       AND used_at IS NULL
    RETURNING 'ok'
$$;
