-- The current definition of hotspot_auth_failure: edit it here, then snapshot it into the
-- functions file of a new revision (migrations/sqlfiles.py says why).
CREATE OR REPLACE FUNCTION hotspot_auth_failure(
    p_router text, p_username text, p_mac text, p_now text, p_source text)
RETURNS text
LANGUAGE sql AS $$
    INSERT INTO auth_failures (router_id, username, mac, created_at, source)
    SELECT r.id, left(p_username, 64), left(upper(coalesce(p_mac, '')), 17),
           coalesce(to_timestamp(nullif(p_now, '')::float8), now()), p_source
      FROM (SELECT 1) one
      LEFT JOIN routers r
        ON r.id = CASE WHEN p_router ~ '^[0-9]{1,9}$' THEN p_router::int END
    RETURNING 'ok'
$$;
