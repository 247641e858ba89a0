-- The current definition of hotspot_rebuild_hints: edit it here, then snapshot it into the
-- functions file of a new revision (migrations/sqlfiles.py says why).
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
