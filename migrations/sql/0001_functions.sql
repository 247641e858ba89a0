-- Functions FreeRADIUS calls through rlm_sql (pooled, thread-safe connections), so
-- the Python module decides without doing I/O of its own. Arguments are text because
-- rlm_sql expands them as (escaped) strings; each function validates its input.

-- The RADIUS client (router) behind a source address, for dynamic clients:
-- "<router id> <require Message-Authenticator 0|1> <secret>", or NULL.
CREATE OR REPLACE FUNCTION hotspot_client(p_ip text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT r.id || ' ' || (CASE WHEN r.require_message_authenticator THEN 1 ELSE 0 END)
           || ' ' || r.radius_secret
      FROM routers r
     WHERE r.ip_address = CASE WHEN p_ip ~ '^[0-9a-fA-F:.]+$' THEN p_ip::inet END
       AND r.enabled
$$;

-- Everything the access decision needs, as one JSON document (hotspot.policy.parse_state).
CREATE OR REPLACE FUNCTION hotspot_auth_state(p_router text, p_username text, p_mac text)
RETURNS text
LANGUAGE sql STABLE AS $$
    WITH rt AS (
        SELECT r.id, r.owner_id, r.enabled FROM routers r
         WHERE r.id = CASE WHEN p_router ~ '^[0-9]{1,9}$' THEN p_router::int END
    )
    SELECT json_build_object(
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
               ORDER BY t.id DESC LIMIT 1)
    )::text
$$;

-- Mark a one-time login ticket used (post-auth, after Access-Accept).
CREATE OR REPLACE FUNCTION hotspot_use_ticket(p_ticket text) RETURNS text
LANGUAGE sql AS $$
    UPDATE login_tickets SET used_at = now()
     WHERE id = CASE WHEN p_ticket ~ '^[0-9]{1,9}$' THEN p_ticket::int END
       AND used_at IS NULL
    RETURNING 'ok'
$$;

-- Store one accounting packet. Counters are the router's totals for the session, so
-- the largest value wins: a replay, a late or an out-of-order Interim-Update changes
-- nothing, and the voucher is charged only the growth. p_router is the router id
-- of the RADIUS client that sent the packet. Returns 'ok'.
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
