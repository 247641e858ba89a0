-- Accounting that cannot hold up the spool. Whatever a router sends is made to fit
-- radius_sessions (long texts shortened, counters that are no numbers ignored,
-- totals capped), and a record that still cannot be stored is kept in
-- accounting_dead_letters with the reason: the spool reader moves on to the next
-- record. Only an error that may go away by itself (a lost connection, a deadlock,
-- the server shutting down) makes the reader try the record again.

-- p as it is when it fits in n characters; else its start, '~' and its MD5, n in
-- all: still the same text for the same input, and different for different ones.
CREATE OR REPLACE FUNCTION hotspot_fit(p text, n int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN length(p) <= n THEN p
                ELSE left(p, n - 33) || '~' || md5(p) END
$$;

-- A 32-bit RADIUS integer as text ('' or anything else that is no such number:
-- NULL). The cast only inside CASE: an AND would not keep it from being tried.
CREATE OR REPLACE FUNCTION hotspot_u32(p text) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p ~ '^[0-9]{1,10}$'
                THEN nullif(least(p::bigint, 4294967296), 4294967296) END
$$;

-- A byte total from Acct-*-Octets and Acct-*-Gigawords, capped at 2^62 (4 EiB) so
-- that sums of totals stay within bigint.
CREATE OR REPLACE FUNCTION hotspot_octets(p_octets text, p_gigawords text)
RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT least(coalesce(hotspot_u32(p_octets), 0)::numeric
                 + coalesce(hotspot_u32(p_gigawords), 0)::numeric * 4294967296,
                 4611686018427387904)::bigint
$$;

-- Store one accounting packet (the body of 0006's hotspot_accounting, made to fit).
-- Counters are the router's totals for the session, so the largest value wins: a
-- replay, a late or an out-of-order Interim-Update changes nothing, and the voucher
-- is charged only the growth. p_router is the router id of the RADIUS client that
-- sent the packet. Returns 'ok'.
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
BEGIN
    IF p_status NOT IN ('Start', 'Interim-Update', 'Stop') OR v_sid = '' THEN
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
        stopped_at = CASE WHEN p_status = 'Stop' THEN coalesce(stopped_at, v_event)
                          ELSE stopped_at END,
        terminate_cause = CASE WHEN p_status = 'Stop'
                               THEN coalesce(terminate_cause,
                                             nullif(left(p_cause, 32), ''))
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

-- A card charged the growth of one session's totals (capped, like the totals).
CREATE OR REPLACE FUNCTION hotspot_charge(
    p_voucher int, p_old radius_sessions, d_time bigint, d_bytes numeric,
    p_event timestamptz
) RETURNS void
LANGUAGE sql AS $$
    UPDATE vouchers SET
        used_seconds = least(used_seconds::numeric + d_time,
                             4611686018427387904)::bigint,
        used_bytes = least(used_bytes::numeric + d_bytes,
                           4611686018427387904)::bigint,
        activated_at = coalesce(activated_at, p_old.started_at),
        last_acct_at = greatest(last_acct_at, p_event, p_old.updated_at),
        status = CASE
            WHEN status IN ('revoked', 'expired') THEN status
            WHEN (time_limit IS NOT NULL AND used_seconds + d_time >= time_limit)
              OR (data_limit IS NOT NULL
                  AND used_bytes + d_bytes >= data_limit)
            THEN 'exhausted'
            ELSE 'active' END
     WHERE id = p_voucher
$$;

-- What the spool reader calls for every accounting packet (sites-enabled/acct_spool):
-- 'ok' when stored, 'dead' when kept in accounting_dead_letters instead. Errors that
-- may pass (class 40 deadlock/serialization, 53 resources, 57 shutdown, 58 I/O)
-- are raised, so that the record stays in the spool and is tried again.
CREATE OR REPLACE FUNCTION hotspot_accounting(
    p_router text, p_status text, p_session_id text, p_username text, p_mac text,
    p_framed_ip text, p_session_time text, p_in text, p_in_gw text, p_out text,
    p_out_gw text, p_cause text, p_now text, p_delay text
) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    v_state text;
    v_message text;
BEGIN
    RETURN hotspot_accounting_store(p_router, p_status, p_session_id, p_username,
        p_mac, p_framed_ip, p_session_time, p_in, p_in_gw, p_out, p_out_gw, p_cause,
        p_now, p_delay);
EXCEPTION
    WHEN transaction_rollback OR lock_not_available OR insufficient_resources
         OR operator_intervention OR system_error THEN
        RAISE;
    WHEN others THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT;
        INSERT INTO accounting_dead_letters (router_id, router, fields, reason)
        SELECT (SELECT r.id FROM routers r WHERE r.id = CASE
                    WHEN p_router ~ '^[0-9]{1,9}$' THEN p_router::int END),
               p_router,
               jsonb_build_object('status', p_status, 'session_id', p_session_id,
                   'username', p_username, 'mac', p_mac, 'framed_ip', p_framed_ip,
                   'session_time', p_session_time, 'input_octets', p_in,
                   'input_gigawords', p_in_gw, 'output_octets', p_out,
                   'output_gigawords', p_out_gw, 'terminate_cause', p_cause,
                   'now', p_now, 'delay', p_delay),
               v_state || ': ' || v_message;
        RAISE WARNING 'accounting record of router % kept as a dead letter: %',
            p_router, v_message;
        RETURN 'dead';
END
$$;
