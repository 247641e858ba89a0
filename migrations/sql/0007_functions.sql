-- hotspot_client: a disabled router stays a RADIUS client, so its guests keep being
-- told "This hotspot is switched off." (the decision rejects every login from it)
-- instead of getting no answer once FreeRADIUS's client lifetime runs out, and its
-- accounting (sessions still open) is still stored.
-- "<router id> <require Message-Authenticator 0|1> <secret>", or NULL.
CREATE OR REPLACE FUNCTION hotspot_client(p_ip text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT r.id || ' ' || (CASE WHEN r.require_message_authenticator THEN 1 ELSE 0 END)
           || ' ' || r.radius_secret
      FROM routers r
     WHERE r.ip_address = CASE WHEN p_ip ~ '^[0-9a-fA-F:.]+$' THEN p_ip::inet END
$$;
