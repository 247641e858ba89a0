-- The current definition of hotspot_accounting_store: edit it here, then snapshot it into the
-- functions file of a new revision (migrations/sqlfiles.py says why).
CREATE OR REPLACE FUNCTION hotspot_accounting_store(
    p_router text, p_status text, p_session_id text, p_username text, p_mac text,
    p_framed_ip text, p_session_time text, p_in text, p_in_gw text, p_out text,
    p_out_gw text, p_cause text, p_now text, p_delay text
) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    c_octet CONSTANT text := '(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])';
    v_router int;
    v_sid text := hotspot_fit(p_session_id, 64);
    v_user text := hotspot_fit(p_username, 64);
    v_mac text := CASE WHEN length(p_mac) <= 17 THEN nullif(upper(p_mac), '') END;
    -- When the router sent it: the reader's clock less Acct-Delay-Time (which the
    -- spool reader grows by the time the packet waited in the spool).
    v_event timestamptz := coalesce(to_timestamp(hotspot_u32(p_now)), now())
        - make_interval(secs => coalesce(hotspot_u32(p_delay), 0));
    v_time bigint := coalesce(hotspot_u32(p_session_time), 0);
    v_in bigint := hotspot_octets(p_in, p_in_gw);
    v_out bigint := hotspot_octets(p_out, p_out_gw);
    v_ip inet := CASE WHEN p_framed_ip ~ ('^(' || c_octet || '\.){3}' || c_octet || '$')
                      THEN p_framed_ip::inet END;
    v_voucher int;
    v_old radius_sessions%ROWTYPE;
    v_reset timestamptz;
BEGIN
    IF p_status IN ('Accounting-On', 'Accounting-Off') THEN
        -- The router started or is going down: none of its sessions from before are
        -- online any more (they count for no device limit). Closed at their last
        -- update, as the stale-session job does; one that started after this event
        -- (read first from another spool shard) stays open. The event is kept, so
        -- a record from before it read later (another shard) is closed on arrival.
        UPDATE radius_sessions s
           SET stopped_at = s.updated_at, terminate_cause = 'NAS-Reboot'
         WHERE s.router_id = CASE WHEN p_router ~ '^[0-9]{1,9}$'
                                  THEN p_router::int END
           AND s.stopped_at IS NULL AND s.started_at <= v_event;
        INSERT INTO router_accounting_resets AS r (router_id, reset_at)
        SELECT id, v_event FROM routers
         WHERE id = CASE WHEN p_router ~ '^[0-9]{1,9}$' THEN p_router::int END
        ON CONFLICT (router_id)
        DO UPDATE SET reset_at = greatest(r.reset_at, excluded.reset_at);
        RETURN 'ok';
    END IF;
    IF p_status NOT IN ('Start', 'Interim-Update', 'Stop') OR v_sid = '' THEN
        RETURN 'ok';  -- Alive and the like: nothing to store per session
    END IF;
    SELECT r.id INTO v_router FROM routers r
     WHERE r.id = CASE WHEN p_router ~ '^[0-9]{1,9}$' THEN p_router::int END;
    IF v_router IS NULL THEN
        RAISE WARNING 'accounting for unknown router %', p_router;
        RETURN 'ok';  -- the router was removed since: nothing to charge
    END IF;
    SELECT r.reset_at INTO v_reset FROM router_accounting_resets r
     WHERE r.router_id = v_router;
    SELECT v.id INTO v_voucher
      FROM vouchers v JOIN routers r ON r.owner_id = v.owner_id
     WHERE v.code = v_user AND r.id = v_router;

    INSERT INTO radius_sessions AS s (router_id, acct_session_id, username, mac,
        framed_ip, voucher_id, started_at, updated_at, session_time, input_octets,
        output_octets)
    VALUES (v_router, v_sid, v_user, v_mac, v_ip,
        v_voucher, v_event - make_interval(secs => v_time), v_event, 0, 0, 0)
    ON CONFLICT (router_id, acct_session_id, username) DO NOTHING;

    SELECT * INTO v_old FROM radius_sessions
     WHERE router_id = v_router AND acct_session_id = v_sid AND username = v_user
       FOR UPDATE;

    UPDATE radius_sessions SET
        session_time = greatest(session_time, v_time),
        input_octets = greatest(input_octets, v_in),
        output_octets = greatest(output_octets, v_out),
        updated_at = greatest(updated_at, v_event),
        mac = coalesce(mac, v_mac),
        framed_ip = coalesce(framed_ip, v_ip),
        -- A Start or Interim sent before the router's last restart: the session
        -- is gone from the router; closed at its last update, as the restart did.
        stopped_at = CASE WHEN p_status = 'Stop' THEN coalesce(stopped_at, v_event)
                          WHEN v_event < v_reset
                          THEN coalesce(stopped_at, greatest(updated_at, v_event))
                          ELSE stopped_at END,
        terminate_cause = CASE WHEN p_status = 'Stop'
                               THEN coalesce(terminate_cause,
                                             nullif(left(p_cause, 32), ''))
                               WHEN v_event < v_reset
                               THEN coalesce(terminate_cause, 'NAS-Reboot')
                               ELSE terminate_cause END
     WHERE id = v_old.id;

    IF v_voucher IS NOT NULL THEN
        PERFORM hotspot_charge(v_voucher, v_old,
            greatest(v_time - v_old.session_time, 0),
            greatest(v_in - v_old.input_octets, 0)::numeric
                + greatest(v_out - v_old.output_octets, 0),
            v_event);
    END IF;
    RETURN 'ok';
END
$$;
