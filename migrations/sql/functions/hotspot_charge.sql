-- The current definition of hotspot_charge: edit it here, then snapshot it into the
-- functions file of a new revision (migrations/sqlfiles.py says why).
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
