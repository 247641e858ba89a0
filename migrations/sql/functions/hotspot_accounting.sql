-- The current definition of hotspot_accounting: edit it here, then snapshot it into the
-- functions file of a new revision (migrations/sqlfiles.py says why).
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
