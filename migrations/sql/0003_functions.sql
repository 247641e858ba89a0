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
DECLARE
    v_router_id int := CASE WHEN p_router ~ '^[0-9]{1,9}$' THEN p_router::int END;
    v_now timestamptz := coalesce(to_timestamp(nullif(p_now, '')::float8), now());
    v_mac text := upper(coalesce(p_mac, ''));
    r routers%ROWTYPE;
    v vouchers%ROWTYPE;
    result jsonb;
    part jsonb;
BEGIN
    -- Small statements, each with its own cached generic plan, and only those the
    -- kind of login needs (measured: about half the database time of one query).
    SELECT * INTO r FROM routers WHERE id = v_router_id;
    IF NOT FOUND THEN
        RETURN '{}';  -- not a registered router
    END IF;
    result := jsonb_build_object(
        'r', jsonb_build_object('id', r.id, 'o', r.owner_id, 'on', r.enabled));

    SELECT jsonb_build_array(
               count(*) FILTER (WHERE a.username = p_username),
               count(*) FILTER (WHERE a.mac = v_mac AND v_mac <> ''),
               count(*) FILTER (WHERE a.router_id = r.id
                                  AND a.created_at > v_now - interval '1 minute'))
      INTO part
      FROM auth_failures a
     WHERE a.created_at > v_now - interval '15 minutes'
       AND (a.username = p_username OR (a.mac = v_mac AND v_mac <> '')
            OR a.router_id = r.id);
    result := result || jsonb_build_object('f', part);

    SELECT jsonb_build_object('id', t.id, 'n', t.nonce,
                              'exp', extract(epoch FROM t.expires_at)::float8)
      INTO part
      FROM login_tickets t
     WHERE t.router_id = r.id AND t.username = p_username AND t.mac = v_mac
       AND t.used_at IS NULL
     ORDER BY t.id DESC LIMIT 1;
    IF part IS NOT NULL THEN
        result := result || jsonb_build_object('t', part);
    END IF;

    SELECT * INTO v FROM vouchers WHERE code = p_username;
    IF FOUND THEN
        result := result || jsonb_build_object('v', jsonb_strip_nulls(jsonb_build_object(
            'id', v.id, 'o', v.owner_id, 's', v.status, 'pin', v.pin_encrypted,
            'tl', v.time_limit, 'dl', v.data_limit, 'rate', v.rate_limit,
            'idle', v.idle_timeout, 'vd', v.validity_seconds,
            'exp', extract(epoch FROM v.expires_at)::float8,
            'sb', extract(epoch FROM v.sell_by)::float8,
            'act', extract(epoch FROM v.activated_at)::float8,
            'us', v.used_seconds, 'ub', v.used_bytes, 'md', v.max_devices,
            'fv', v.face_value, 'pmb', v.price_per_mb,
            'pmin', v.price_per_minute)));
        SELECT jsonb_agg(jsonb_build_array(s.mac,
                                           extract(epoch FROM s.updated_at)::float8))
          INTO part
          FROM (SELECT s.mac, s.updated_at FROM radius_sessions s
                 WHERE s.voucher_id = v.id AND s.stopped_at IS NULL
                 ORDER BY s.updated_at DESC LIMIT 8) s;
        IF part IS NOT NULL THEN
            result := result || jsonb_build_object('o', part);
        END IF;
        RETURN result::text;
    END IF;

    -- Not a voucher: a phone or document login.
    SELECT jsonb_build_object('id', i.id,
                              'exp', extract(epoch FROM i.expires_at)::float8)
      INTO part
      FROM identifications i
     WHERE i.owner_id = r.owner_id AND i.subject = p_username AND i.mac = v_mac
     ORDER BY i.expires_at DESC LIMIT 1;
    IF part IS NOT NULL THEN
        result := result || jsonb_build_object('i', part);
    END IF;
    IF EXISTS (SELECT 1 FROM phone_blacklist b
                WHERE b.phone = p_username
                  AND (b.owner_id IS NULL OR b.owner_id = r.owner_id)) THEN
        result := result || '{"b": true}'::jsonb;
    END IF;
    SELECT jsonb_strip_nulls(jsonb_build_object(
               'dl', g.data_limit, 'tl', g.time_limit,
               'rate', g.rate_limit, 'idle', g.idle_timeout))
      INTO part
      FROM owners o JOIN tariffs g ON g.id = o.guest_tariff_id
     WHERE o.id = r.owner_id;
    IF part IS NOT NULL THEN
        result := result || jsonb_build_object('g', part);
    END IF;
    RETURN result::text;
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
