-- The current definition of hotspot_client: edit it here, then snapshot it into the
-- functions file of a new revision (migrations/sqlfiles.py says why).
CREATE OR REPLACE FUNCTION hotspot_client(p_ip text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT r.id || ' ' || (CASE WHEN r.require_message_authenticator THEN 1 ELSE 0 END)
           || ' ' || r.radius_secret
      FROM routers r
     WHERE r.ip_address = CASE WHEN p_ip ~ '^[0-9a-fA-F:.]+$' THEN p_ip::inet END
$$;
