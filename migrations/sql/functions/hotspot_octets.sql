-- The current definition of hotspot_octets: edit it here, then snapshot it into the
-- functions file of a new revision (migrations/sqlfiles.py says why).
CREATE OR REPLACE FUNCTION hotspot_octets(p_octets text, p_gigawords text)
RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
    SELECT least(coalesce(hotspot_u32(p_octets), 0)::numeric
                 + coalesce(hotspot_u32(p_gigawords), 0)::numeric * 4294967296,
                 4611686018427387904)::bigint
$$;
