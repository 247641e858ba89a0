-- hotspot_auth_state, grown for tariffs and cards: the voucher's device limit,
-- metered balance and prices, the devices it has online ('o': MAC and last update
-- of each open session), and the recent wrong PINs ('f': for this card, this MAC and
-- this router) that lock out guessing. p_now is the request time (epoch seconds;
-- injected by tests, '%l' at RADIUS); windows are counted back from it.
DROP FUNCTION IF EXISTS hotspot_auth_state(text, text, text);

--
-- PL/pgSQL, not SQL: PostgreSQL does not cache the plan of a SQL-language function
-- it cannot inline, so every Access-Request would parse and plan this query again
-- (measured: ~2 ms of database CPU per request); PL/pgSQL keeps the plan for the
-- life of rlm_sql's pooled connection.
CREATE OR REPLACE FUNCTION hotspot_auth_state(
    p_router text, p_username text, p_mac text, p_now text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (
    WITH rt AS (
        SELECT r.id, r.owner_id, r.enabled FROM routers r
         WHERE r.id = CASE WHEN p_router ~ '^[0-9]{1,9}$' THEN p_router::int END
    ), clock AS (
        SELECT coalesce(to_timestamp(nullif(p_now, '')::float8), now()) AS now
    ), v AS (
        SELECT * FROM vouchers WHERE code = p_username
    )
    SELECT json_strip_nulls(json_build_object(
        'r', (SELECT json_build_object('id', rt.id, 'o', rt.owner_id, 'on', rt.enabled)
                FROM rt),
        'v', (SELECT json_build_object(
                    'id', v.id, 'o', v.owner_id, 's', v.status, 'pin', v.pin_encrypted,
                    'tl', v.time_limit, 'dl', v.data_limit, 'rate', v.rate_limit,
                    'idle', v.idle_timeout, 'vd', v.validity_seconds,
                    'exp', extract(epoch FROM v.expires_at)::float8,
                    'sb', extract(epoch FROM v.sell_by)::float8,
                    'act', extract(epoch FROM v.activated_at)::float8,
                    'us', v.used_seconds, 'ub', v.used_bytes, 'md', v.max_devices,
                    'fv', v.face_value, 'pmb', v.price_per_mb,
                    'pmin', v.price_per_minute)
                FROM v),
        'o', (SELECT json_agg(json_build_array(s.mac,
                                               extract(epoch FROM s.updated_at)::float8))
                FROM (SELECT s.mac, s.updated_at FROM radius_sessions s, v
                       WHERE s.voucher_id = v.id AND s.stopped_at IS NULL
                       ORDER BY s.updated_at DESC LIMIT 8) s),
        'f', (SELECT json_build_array(
                  (SELECT count(*) FROM auth_failures a, clock
                    WHERE a.username = p_username
                      AND a.created_at > clock.now - interval '15 minutes'),
                  (SELECT count(*) FROM auth_failures a, clock
                    WHERE a.mac = upper(p_mac) AND p_mac <> ''
                      AND a.created_at > clock.now - interval '15 minutes'),
                  (SELECT count(*) FROM auth_failures a, clock, rt
                    WHERE a.router_id = rt.id
                      AND a.created_at > clock.now - interval '1 minute'))),
        't', (SELECT json_build_object('id', t.id, 'n', t.nonce,
                                       'exp', extract(epoch FROM t.expires_at)::float8)
                FROM login_tickets t, rt
               WHERE t.router_id = rt.id AND t.username = p_username
                 AND t.mac = upper(p_mac) AND t.used_at IS NULL
               ORDER BY t.id DESC LIMIT 1),
        'i', (SELECT json_build_object('id', i.id,
                                       'exp', extract(epoch FROM i.expires_at)::float8)
                FROM identifications i, rt
               WHERE i.owner_id = rt.owner_id AND i.subject = p_username
                 AND i.mac = upper(p_mac)
               ORDER BY i.expires_at DESC LIMIT 1),
        'b', (SELECT true FROM phone_blacklist b, rt
               WHERE b.phone = p_username
                 AND (b.owner_id IS NULL OR b.owner_id = rt.owner_id)
               LIMIT 1),
        'g', (SELECT json_build_object('dl', g.data_limit, 'tl', g.time_limit,
                                       'rate', g.rate_limit, 'idle', g.idle_timeout)
                FROM owners o JOIN tariffs g ON g.id = o.guest_tariff_id, rt
               WHERE o.id = rt.owner_id)
    ))::text
    );
END
$$;

-- A wrong PIN (Post-Auth-Type REJECT at RADIUS, or the portal): remembered for the
-- lock-out windows above.
CREATE OR REPLACE FUNCTION hotspot_auth_failure(
    p_router text, p_username text, p_mac text, p_now text DEFAULT NULL)
RETURNS text
LANGUAGE sql AS $$
    INSERT INTO auth_failures (router_id, username, mac, created_at)
    SELECT r.id, left(p_username, 64), left(upper(coalesce(p_mac, '')), 17),
           coalesce(to_timestamp(nullif(p_now, '')::float8), now())
      FROM (SELECT 1) one
      LEFT JOIN routers r
        ON r.id = CASE WHEN p_router ~ '^[0-9]{1,9}$' THEN p_router::int END
    RETURNING 'ok'
$$;
