-- The current definition of hotspot_auth_state: edit it here, then snapshot it into the
-- functions file of a new revision (migrations/sqlfiles.py says why).
CREATE OR REPLACE FUNCTION hotspot_auth_state(
    p_router text, p_username text, p_mac text, p_now text, p_fresh text,
    p_source text, p_window integer, p_router_window integer)
RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
-- Few statements and few PL/pgSQL expressions: each call is its own transaction
-- (rlm_sql autocommits), and PL/pgSQL prepares every expression again in each one.
DECLARE
    r routers%ROWTYPE;
    v vouchers%ROWTYPE;
    g tariffs%ROWTYPE;
    v_now timestamptz;
    v_mac text;
    f_card bigint;
    f_mac bigint;
    f_router bigint;
    t_part text;
    o_part text;
    i_part text;
    b_part text;
    i_subject text;
    s_rate text;
BEGIN
    SELECT * INTO r FROM routers
     WHERE id = CASE WHEN p_router ~ '^[0-9]{1,9}$' THEN p_router::int END;
    IF NOT FOUND THEN
        RETURN '-';  -- not a registered router
    END IF;
    -- The router's last RADIUS request, for its status page: written at most once
    -- a minute, so nearly every request only reads it; never waiting for a lock
    -- on the row (another request noting it, a cabinet change): then skipped.
    IF p_source = 'radius' AND (r.last_request_at IS NULL
                                OR r.last_request_at < now() - interval '1 minute') THEN
        UPDATE routers SET last_request_at = now()
         WHERE id = (SELECT x.id FROM routers x WHERE x.id = r.id
                        FOR UPDATE SKIP LOCKED);
    END IF;
    SELECT * INTO v FROM vouchers WHERE code = p_username;
    v_now := coalesce(to_timestamp(nullif(p_now, '')::float8), now());
    v_mac := upper(coalesce(p_mac, ''));

    -- Wrong PINs for this name (anywhere, any source); not a card: always counted.
    IF v.id IS NULL OR v.last_auth_failure_at > v_now - make_interval(secs => p_window)
    THEN
        SELECT count(*) INTO f_card FROM auth_failures a
         WHERE a.username = p_username
           AND a.created_at > v_now - make_interval(secs => p_window);
    END IF;
    -- ... from this source: for this MAC at this router, and this router.
    IF r.last_auth_failure_at > v_now - make_interval(secs => p_window) THEN
        SELECT count(*) FILTER (WHERE a.mac = v_mac AND v_mac <> ''),
               count(*) FILTER (WHERE a.created_at
                                      > v_now - make_interval(secs => p_router_window))
          INTO f_mac, f_router
          FROM auth_failures a
         WHERE a.router_id = r.id AND a.source = p_source
           AND a.created_at > v_now - make_interval(secs => p_window);
    END IF;
    -- The newest unused portal ticket for this router, name and MAC.
    IF v.id IS NULL OR v.ticket_until > v_now THEN
        SELECT t.id || ' ' || t.nonce || ' ' || extract(epoch FROM t.expires_at)
          INTO t_part
          FROM login_tickets t
         WHERE t.router_id = r.id AND t.username = p_username AND t.mac = v_mac
           AND t.used_at IS NULL
         ORDER BY t.id DESC LIMIT 1;
    END IF;

    IF v.id IS NOT NULL THEN
        -- The card's open sessions that may still be fresh: each MAC's newest, newest
        -- first, one MAC more than the card may have online.
        IF v.last_acct_at >= v_now - make_interval(secs => CASE
                WHEN p_fresh ~ '^[0-9]{1,9}$' THEN p_fresh::int ELSE 1000000000 END) THEN
            SELECT string_agg(s.mac || '@' || extract(epoch FROM s.updated_at), ' ')
              INTO o_part
              FROM (SELECT s.mac, max(s.updated_at) AS updated_at
                      FROM radius_sessions s
                     WHERE s.voucher_id = v.id AND s.stopped_at IS NULL
                       AND s.mac IS NOT NULL
                     GROUP BY s.mac
                     ORDER BY 2 DESC LIMIT v.max_devices + 1) s;
        END IF;
        -- The owner's speed for this card, ahead of its own.
        SELECT so.rate_limit INTO s_rate FROM speed_overrides so
         WHERE so.voucher_id = v.id;
    ELSE
        -- Not a card: a phone or document login, by the identification's own
        -- opaque login name (never the phone); the blacklist by who it is.
        SELECT i.id || ' ' || extract(epoch FROM i.expires_at), i.subject
          INTO i_part, i_subject
          FROM identifications i
         WHERE i.login = p_username AND i.owner_id = r.owner_id AND i.mac = v_mac;
        SELECT 'true' INTO b_part FROM phone_blacklist b
         WHERE b.phone = i_subject AND (b.owner_id IS NULL OR b.owner_id = r.owner_id)
         LIMIT 1;
        SELECT g2.* INTO g
          FROM owners o JOIN tariffs g2 ON g2.id = o.guest_tariff_id
         WHERE o.id = r.owner_id;
        -- The owner's speed for this phone, ahead of the guest tariff's.
        SELECT so.rate_limit INTO s_rate FROM speed_overrides so
         WHERE so.owner_id = r.owner_id AND so.phone = i_subject;
    END IF;

    -- In the order of hotspot.policy.STATE_FIELDS.
    RETURN array_to_string(ARRAY[
        r.id::text, r.owner_id::text, r.enabled::text,
        f_card::text, f_mac::text, f_router::text,
        t_part,
        v.id::text, v.owner_id::text, v.status::text, v.pin_encrypted,
        v.time_limit::text, v.data_limit::text, coalesce(s_rate, v.rate_limit),
        v.idle_timeout::text,
        v.validity_seconds::text, extract(epoch FROM v.expires_at)::text,
        extract(epoch FROM v.sell_by)::text, extract(epoch FROM v.activated_at)::text,
        v.used_seconds::text, v.used_bytes::text, v.max_devices::text,
        v.face_value::text, v.price_per_mb::text, v.price_per_minute::text,
        o_part,
        i_part, b_part,
        g.data_limit::text, g.time_limit::text, coalesce(s_rate, g.rate_limit),
        g.idle_timeout::text
        ], '|', '');
END
$$;
