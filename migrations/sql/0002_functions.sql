-- hotspot_auth_state, grown for guest identification: besides the router, the voucher
-- and the pending ticket it returns the device's identification at this owner
-- ('i': the newest for this user name and MAC, with its expiry), whether the user
-- name is a blacklisted phone ('b'), and the owner's guest tariff limits ('g').
CREATE OR REPLACE FUNCTION hotspot_auth_state(p_router text, p_username text, p_mac text)
RETURNS text
LANGUAGE sql STABLE AS $$
    WITH rt AS (
        SELECT r.id, r.owner_id, r.enabled FROM routers r
         WHERE r.id = CASE WHEN p_router ~ '^[0-9]{1,9}$' THEN p_router::int END
    )
    SELECT json_strip_nulls(json_build_object(
        'r', (SELECT json_build_object('id', rt.id, 'o', rt.owner_id, 'on', rt.enabled)
                FROM rt),
        'v', (SELECT json_build_object(
                    'id', v.id, 'o', v.owner_id, 's', v.status, 'pin', v.pin_encrypted,
                    'tl', v.time_limit, 'dl', v.data_limit, 'rate', v.rate_limit,
                    'idle', v.idle_timeout, 'vd', v.validity_seconds,
                    'exp', extract(epoch FROM v.expires_at)::float8,
                    'act', extract(epoch FROM v.activated_at)::float8,
                    'us', v.used_seconds, 'ub', v.used_bytes)
                FROM vouchers v WHERE v.code = p_username),
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
$$;
