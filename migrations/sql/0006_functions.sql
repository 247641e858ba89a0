-- hotspot_auth_state as one line of text, and the hints that let it skip lookups.
--
-- Measured (bench/RESULTS.md, 2 cores): the JSONB document of 0003 cost more
-- PostgreSQL CPU than the lookups themselves (building, sorting and concatenating
-- jsonb), and the three side lookups (wrong PINs, a pending portal ticket, the open
-- sessions) cost as much again though they find nothing on nearly every request.
-- Now: '|'-separated fields (the order is hotspot.policy.STATE_FIELDS; empty = NULL),
-- the router and the card each read by one small statement, and each side lookup only
-- where a hint on a row already read says it can find something:
--   routers.last_auth_failure_at   a wrong PIN at this router in the window: count
--                                  the MAC's (at this router) and the router's;
--   vouchers.last_auth_failure_at  a wrong PIN for this card: count the card's;
--   vouchers.ticket_until          a portal ticket for this card may be pending;
--   vouchers.last_acct_at          accounting for this card recently enough that an
--                                  open session of it may still be fresh (p_fresh:
--                                  seconds, the policy's stale horizon; NULL: look).
-- The hints are kept by the writers below (triggers and hotspot_accounting), so
-- every writer keeps them, whatever its language.
DROP FUNCTION IF EXISTS hotspot_auth_state(text, text, text, text);

CREATE OR REPLACE FUNCTION hotspot_auth_state(
    p_router text, p_username text, p_mac text, p_now text DEFAULT NULL,
    p_fresh text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE AS $$
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
BEGIN
    SELECT * INTO r FROM routers
     WHERE id = CASE WHEN p_router ~ '^[0-9]{1,9}$' THEN p_router::int END;
    IF NOT FOUND THEN
        RETURN '-';  -- not a registered router
    END IF;
    SELECT * INTO v FROM vouchers WHERE code = p_username;
    v_now := coalesce(to_timestamp(nullif(p_now, '')::float8), now());
    v_mac := upper(coalesce(p_mac, ''));

    -- Wrong PINs for this name (15 min, anywhere); not a card: always counted.
    IF v.id IS NULL OR v.last_auth_failure_at > v_now - interval '15 minutes' THEN
        SELECT count(*) INTO f_card FROM auth_failures a
         WHERE a.username = p_username AND a.created_at > v_now - interval '15 minutes';
    END IF;
    -- ... for this MAC at this router (15 min), and this router (1 min).
    IF r.last_auth_failure_at > v_now - interval '15 minutes' THEN
        SELECT count(*) FILTER (WHERE a.mac = v_mac AND v_mac <> ''),
               count(*) FILTER (WHERE a.created_at > v_now - interval '1 minute')
          INTO f_mac, f_router
          FROM auth_failures a
         WHERE a.router_id = r.id AND a.created_at > v_now - interval '15 minutes';
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
        -- The card's open sessions that may still be fresh, newest first.
        IF v.last_acct_at >= v_now - make_interval(secs => CASE
                WHEN p_fresh ~ '^[0-9]{1,9}$' THEN p_fresh::int ELSE 1000000000 END) THEN
            SELECT string_agg(coalesce(s.mac, '') || '@' || extract(epoch FROM s.updated_at),
                              ' ')
              INTO o_part
              FROM (SELECT s.mac, s.updated_at FROM radius_sessions s
                     WHERE s.voucher_id = v.id AND s.stopped_at IS NULL
                     ORDER BY s.updated_at DESC LIMIT 8) s;
        END IF;
    ELSE
        -- Not a card: a phone or document login.
        SELECT i.id || ' ' || extract(epoch FROM i.expires_at)
          INTO i_part
          FROM identifications i
         WHERE i.owner_id = r.owner_id AND i.subject = p_username AND i.mac = v_mac
         ORDER BY i.expires_at DESC LIMIT 1;
        SELECT 'true' INTO b_part FROM phone_blacklist b
         WHERE b.phone = p_username AND (b.owner_id IS NULL OR b.owner_id = r.owner_id)
         LIMIT 1;
        SELECT g2.* INTO g
          FROM owners o JOIN tariffs g2 ON g2.id = o.guest_tariff_id
         WHERE o.id = r.owner_id;
    END IF;

    RETURN array_to_string(ARRAY[
        r.id::text, r.owner_id::text, r.enabled::text,
        f_card::text, f_mac::text, f_router::text,
        t_part,
        v.id::text, v.owner_id::text, v.status::text, v.pin_encrypted,
        v.time_limit::text, v.data_limit::text, v.rate_limit, v.idle_timeout::text,
        v.validity_seconds::text, extract(epoch FROM v.expires_at)::text,
        extract(epoch FROM v.sell_by)::text, extract(epoch FROM v.activated_at)::text,
        v.used_seconds::text, v.used_bytes::text, v.max_devices::text,
        v.face_value::text, v.price_per_mb::text, v.price_per_minute::text,
        o_part,
        i_part, b_part,
        g.data_limit::text, g.time_limit::text, g.rate_limit, g.idle_timeout::text
        ], '|', '');
END
$$;

-- A wrong PIN: remembered for the lock-out windows (the hints are set by triggers).
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

DROP TRIGGER IF EXISTS tr_auth_failures_hint ON auth_failures;
CREATE TRIGGER tr_auth_failures_hint AFTER INSERT ON auth_failures
    FOR EACH ROW EXECUTE FUNCTION hotspot_mark_auth_failure();

-- A portal ticket for a card: hotspot_auth_state looks for tickets until it expires.
CREATE OR REPLACE FUNCTION hotspot_mark_ticket() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE vouchers SET ticket_until = NEW.expires_at
     WHERE code = NEW.username
       AND (ticket_until IS NULL OR ticket_until < NEW.expires_at);
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS tr_login_tickets_hint ON login_tickets;
CREATE TRIGGER tr_login_tickets_hint AFTER INSERT OR UPDATE OF expires_at, username
    ON login_tickets
    FOR EACH ROW EXECUTE FUNCTION hotspot_mark_ticket();

-- The hints as the rows already stored imply them: for data written around the
-- triggers and hotspot_accounting (this migration's backfill, bulk loads).
CREATE OR REPLACE FUNCTION hotspot_rebuild_hints() RETURNS void
LANGUAGE sql AS $$
    UPDATE routers r SET last_auth_failure_at = a.last
      FROM (SELECT router_id, max(created_at) AS last FROM auth_failures
             GROUP BY router_id) a
     WHERE a.router_id = r.id;
    UPDATE vouchers v SET last_auth_failure_at = a.last
      FROM (SELECT username, max(created_at) AS last FROM auth_failures
             GROUP BY username) a
     WHERE a.username = v.code;
    UPDATE vouchers v SET ticket_until = t.last
      FROM (SELECT username, max(expires_at) AS last FROM login_tickets
             GROUP BY username) t
     WHERE t.username = v.code;
    UPDATE vouchers v SET last_acct_at = s.last
      FROM (SELECT voucher_id, max(updated_at) AS last FROM radius_sessions
             WHERE voucher_id IS NOT NULL GROUP BY voucher_id) s
     WHERE s.voucher_id = v.id;
$$;

-- Accounting: as 0001, and the card's last accounting time (vouchers.last_acct_at).
CREATE OR REPLACE FUNCTION hotspot_accounting(
    p_router text, p_status text, p_session_id text, p_username text, p_mac text,
    p_framed_ip text, p_session_time text, p_in text, p_in_gw text, p_out text,
    p_out_gw text, p_cause text, p_now text, p_delay text
) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    v_router int;
    -- When the router sent it: the reader's clock less Acct-Delay-Time (which the
    -- spool reader grows by the time the packet waited in the spool).
    v_event timestamptz := coalesce(to_timestamp(nullif(p_now, '')::bigint), now())
        - make_interval(secs => coalesce(nullif(p_delay, '')::bigint, 0));
    v_time bigint := coalesce(nullif(p_session_time, '')::bigint, 0);
    v_in bigint := coalesce(nullif(p_in, '')::bigint, 0)
                   + (coalesce(nullif(p_in_gw, '')::bigint, 0) << 32);
    v_out bigint := coalesce(nullif(p_out, '')::bigint, 0)
                    + (coalesce(nullif(p_out_gw, '')::bigint, 0) << 32);
    v_ip inet := CASE WHEN p_framed_ip ~ '^[0-9a-fA-F:.]+$' THEN p_framed_ip::inet END;
    v_voucher int;
    v_old radius_sessions%ROWTYPE;
    d_time bigint;
    d_bytes bigint;
BEGIN
    IF p_status NOT IN ('Start', 'Interim-Update', 'Stop') OR p_session_id = '' THEN
        RETURN 'ok';  -- Accounting-On/Off and the like: nothing to store per session
    END IF;
    SELECT r.id INTO v_router FROM routers r
     WHERE r.id = CASE WHEN p_router ~ '^[0-9]{1,9}$' THEN p_router::int END;
    IF v_router IS NULL THEN
        RAISE WARNING 'accounting for unknown router %', p_router;
        RETURN 'ok';  -- the router was removed since: nothing to charge
    END IF;
    SELECT v.id INTO v_voucher
      FROM vouchers v JOIN routers r ON r.owner_id = v.owner_id
     WHERE v.code = p_username AND r.id = v_router;

    INSERT INTO radius_sessions AS s (router_id, acct_session_id, username, mac,
        framed_ip, voucher_id, started_at, updated_at, session_time, input_octets,
        output_octets)
    VALUES (v_router, p_session_id, p_username, nullif(upper(p_mac), ''), v_ip,
        v_voucher, v_event - make_interval(secs => v_time), v_event, 0, 0, 0)
    ON CONFLICT (router_id, acct_session_id, username) DO NOTHING;

    SELECT * INTO v_old FROM radius_sessions
     WHERE router_id = v_router AND acct_session_id = p_session_id
       AND username = p_username
       FOR UPDATE;

    d_time := greatest(v_time - v_old.session_time, 0);
    d_bytes := greatest(v_in - v_old.input_octets, 0)
               + greatest(v_out - v_old.output_octets, 0);

    UPDATE radius_sessions SET
        session_time = greatest(session_time, v_time),
        input_octets = greatest(input_octets, v_in),
        output_octets = greatest(output_octets, v_out),
        updated_at = greatest(updated_at, v_event),
        mac = coalesce(mac, nullif(upper(p_mac), '')),
        framed_ip = coalesce(framed_ip, v_ip),
        stopped_at = CASE WHEN p_status = 'Stop' THEN coalesce(stopped_at, v_event)
                          ELSE stopped_at END,
        terminate_cause = CASE WHEN p_status = 'Stop'
                               THEN coalesce(terminate_cause, nullif(p_cause, ''))
                               ELSE terminate_cause END
     WHERE id = v_old.id;

    IF v_voucher IS NOT NULL THEN
        UPDATE vouchers SET
            used_seconds = used_seconds + d_time,
            used_bytes = used_bytes + d_bytes,
            activated_at = coalesce(activated_at, v_old.started_at),
            last_acct_at = greatest(last_acct_at, v_event, v_old.updated_at),
            status = CASE
                WHEN status IN ('revoked', 'expired') THEN status
                WHEN (time_limit IS NOT NULL AND used_seconds + d_time >= time_limit)
                  OR (data_limit IS NOT NULL AND used_bytes + d_bytes >= data_limit)
                THEN 'exhausted'
                ELSE 'active' END
         WHERE id = v_voucher;
    END IF;
    RETURN 'ok';
END
$$;
